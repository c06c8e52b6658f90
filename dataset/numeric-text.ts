/**
 * How a text cell reads as a number for the columnar readers. Same rules as
 * dataset/table.ts (and the trainer): blank is missing; in a numeric column
 * "nan" is missing too. ±Infinity ("inf", "Infinity", any case, signed) is
 * read as missing as well: drift statistics run on finite values, as in
 * Evidently, and the count is reported.
 */

/** NaN for a missing value, the number otherwise, undefined when the text is not a number. */
export function parseNumericText(text: string): number | undefined {
  const v = Number(text);
  if (v === v) {
    // Number('') and Number('  ') are 0: blank is missing, not zero.
    if (v === 0 && text.trim() === '') return Number.NaN;
    if (v - v !== 0) return Number.NaN; // ±Infinity
    // Number() also reads 0x1F, 0o17 and 0b11; a data file means text by them.
    if (hasRadixPrefix(text)) return undefined;
    return v;
  }
  return isNonFiniteWord(text) ? Number.NaN : undefined;
}

function hasRadixPrefix(text: string): boolean {
  // A prefix can only follow leading white space (Number('-0x1') is NaN).
  const t = text.charCodeAt(0) === 0x30 ? text : text.trimStart();
  if (t.charCodeAt(0) !== 0x30) return false;
  const c = t.charCodeAt(1) | 0x20;
  return c === 0x78 || c === 0x6f || c === 0x62; // x, o, b
}

const NON_FINITE_WORDS = new Set(['nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);

function isNonFiniteWord(text: string): boolean {
  return text.length <= 12 && NON_FINITE_WORDS.has(text.trim().toLowerCase());
}
