/**
 * Escaping for the HTML reports. Column names, category values, model names
 * and run ids are user data: every one goes through `text`/`attr` in markup
 * and through `jsonForScript` in embedded data, never straight into the page.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text content: safe between tags. */
export function text(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** An attribute value (always written inside double quotes). */
export const attr = text;

/**
 * JSON that may sit inside a `<script>` element: `<` (so no `</script>` or
 * `<!--` can close or confuse it), `>` and `&` become \u escapes, as do
 * U+2028/U+2029 (line terminators in older JavaScript). JSON.parse gives the
 * same value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A statistic for people: 4 significant digits, exponent form for tiny values, "—" for none. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e6) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** A share as a percentage with one decimal. */
export function formatShare(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** A line of "a · b · c" from the parts that are present (each already escaped). */
export function metaLine(parts: string[]): string {
  const present = parts.filter((p) => p !== '');
  return present.length ? `<p class="meta">${present.map((p) => `<span>${p}</span>`).join('')}</p>` : '';
}
