/**
 * Orders strings by Unicode code point, as Python's `sorted` does for str.
 * JavaScript's `<` compares UTF-16 code units, which puts astral characters
 * (surrogate pairs, U+D800–DFFF) before U+E000–U+FFFF; Evidently's z-test picks
 * its "first key" with Python's order, so ours must match it.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when one side is a surrogate and the other is ≥ U+E000 does code-unit order disagree.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : x - y) : x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}
