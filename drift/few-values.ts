/**
 * The distinct values of an array when there are only a few — without sorting
 * it. The method choice only asks "at most 2 / 5 values?" and "more than 20?",
 * and a continuous column answers after its first few rows; a low-cardinality
 * one costs one pass with at most `cap` comparisons per row (no Set, no
 * allocation per row). `===` makes -0 and +0 one value, as pandas counts them.
 * Returns null as soon as more than `cap` values are seen.
 */
export function fewDistinctValues(values: Float64Array, cap: number): Float64Array | null {
  const found = new Float64Array(cap);
  let count = 0;
  outer: for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    for (let k = 0; k < count; k++) if (found[k] === v) continue outer;
    if (count === cap) return null;
    found[count++] = v;
  }
  return found.slice(0, count).sort();
}

/** Size of the union of two ascending arrays of distinct values. */
export function unionSize(a: Float64Array, b: Float64Array): number {
  let count = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    if (x <= y) i++;
    if (y <= x) j++;
    count++;
  }
  return count;
}
