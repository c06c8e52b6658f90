/**
 * Ascending sort of float64 samples, several times faster than the native
 * `Float64Array.prototype.sort` on a million values, with exactly its result
 * (-0 before +0, ties kept as equal values).
 *
 * Algorithm: least-significant-digit radix sort (Knuth, TAOCP vol. 3 §5.2.5)
 * on the *high* 32-bit word of each IEEE-754 double, made order-preserving
 * by flipping the sign bit of non-negative values and every bit of negative
 * ones (the classic "float flip", Herf 2001, "Radix Tricks").  Three passes of
 * 11/11/10-bit digits order the values by sign, exponent and the top 20
 * mantissa bits; a digit that is the same for every value is skipped.  Values
 * that share a high word (and therefore a sign) only differ in the low word, so
 * one final scan orders each such run by value: insertion sort for short runs,
 * the native sort for long ones (which keeps inputs whose values all share a
 * high word, e.g. 1 + tiny noise, no slower than the native sort).
 *
 * Why not all 64 bits (6 passes): measured on 1M values (bench/sort.ts), the
 * high-word passes plus the run fix-up take about half the time, because
 * 1M random doubles rarely share 32 high bits.
 *
 * Precondition: no NaN (callers strip missing values first); a NaN raises a
 * RangeError naming its index.  ±Infinity sort correctly.
 */

/** Below this length the native sort wins (no 24 KB of digit counts to set up). */
const SMALL = 256;
/** Runs of equal high words up to this length are insertion-sorted. */
const INSERTION_RUN = 32;

const DIGIT_BITS = [11, 11, 10] as const;
const RADIX = 1 << 11;

/** A new ascending-sorted copy of `values` (the input is not modified). */
export function sortFloat64(values: Float64Array): Float64Array {
  const copy = values.slice();
  if (copy.length < SMALL) {
    assertNoNaN(copy);
    return copy.sort();
  }
  const scratch = new Float64Array(copy.length);
  return radixSort(copy, scratch);
}

/**
 * Sorts `values` in place.  `scratch` (at least as long as `values`) avoids an
 * allocation when sorting many columns; its contents are overwritten.
 */
export function sortFloat64InPlace(values: Float64Array, scratch?: Float64Array): Float64Array {
  if (values.length < SMALL) {
    assertNoNaN(values);
    return values.sort();
  }
  if (scratch !== undefined && scratch.length < values.length) {
    throw new RangeError(
      `sortFloat64InPlace: scratch has ${scratch.length} elements, needs at least ${values.length}`,
    );
  }
  const buffer = scratch === undefined ? new Float64Array(values.length) : scratch.subarray(0, values.length);
  const sorted = radixSort(values, buffer);
  if (sorted !== values) values.set(sorted);
  return values;
}

function assertNoNaN(values: Float64Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) throw nanError(i);
  }
}

function nanError(index: number): RangeError {
  return new RangeError(`sortFloat64: value at index ${index} is NaN; drop missing values before sorting`);
}

/**
 * Order-preserving image of a double's high word: non-negative values get the
 * sign bit set, negative values are bit-inverted, so unsigned comparison of
 * the result orders the doubles (and -0 = 0x8000… maps below +0).
 */
function orderedHigh(hi: number): number {
  return (hi ^ ((hi >> 31) | 0x80000000)) >>> 0;
}

/**
 * Sorts the contents of `a` using `b` as the other buffer; returns whichever of
 * the two holds the sorted values (the passes ping-pong between them).
 */
function radixSort(a: Float64Array, b: Float64Array): Float64Array {
  const n = a.length;
  // Little-endian views: word 2i is the low half of value i, 2i + 1 the high half.
  const aWords = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const bWords = new Uint32Array(b.buffer, b.byteOffset, 2 * n);

  // One pass counts the digits of all three passes.
  const counts = new Uint32Array(3 * RADIX);
  for (let i = 0; i < n; i++) {
    const hi = aWords[2 * i + 1]!;
    // Exponent all ones: ±Infinity (allowed) or NaN (not).
    if ((hi & 0x7ff00000) === 0x7ff00000 && a[i]! !== a[i]!) throw nanError(i);
    const key = orderedHigh(hi);
    counts[key & 0x7ff]!++;
    counts[RADIX + ((key >>> 11) & 0x7ff)]!++;
    counts[2 * RADIX + (key >>> 22)]!++;
  }

  let src = a;
  let dst = b;
  let srcWords = aWords;
  let dstWords = bWords;
  const offsets = new Uint32Array(RADIX);
  let shift = 0;
  for (let pass = 0; pass < DIGIT_BITS.length; pass++) {
    const base = pass * RADIX;
    const digits = 1 << DIGIT_BITS[pass]!;
    let constant = false;
    let sum = 0;
    for (let d = 0; d < digits; d++) {
      const c = counts[base + d]!;
      if (c === n) {
        constant = true; // every value has this digit: the pass would be a copy
        break;
      }
      offsets[d] = sum;
      sum += c;
    }
    if (!constant) {
      for (let i = 0; i < n; i++) {
        const digit = (orderedHigh(srcWords[2 * i + 1]!) >>> shift) & 0x7ff;
        dst[offsets[digit]!++] = src[i]!;
      }
      [src, dst] = [dst, src];
      [srcWords, dstWords] = [dstWords, srcWords];
    }
    shift += DIGIT_BITS[pass]!;
  }

  orderRunsOfEqualHighWord(src, srcWords);
  return src;
}

/**
 * After the passes the values are ordered by high word; within a run of equal
 * high words (same sign, so numeric order is the order of the low words) sort
 * by value.
 */
function orderRunsOfEqualHighWord(values: Float64Array, words: Uint32Array): void {
  const n = values.length;
  let start = 0;
  let runHigh = words[1]!;
  for (let i = 1; i <= n; i++) {
    const hi = i < n ? words[2 * i + 1]! : ~runHigh >>> 0;
    if (hi === runHigh) continue;
    const length = i - start;
    if (length > 1) {
      if (length <= INSERTION_RUN) insertionSort(values, start, i);
      else if (!isSorted(values, start, i)) values.subarray(start, i).sort();
    }
    start = i;
    runHigh = hi;
  }
}

function insertionSort(values: Float64Array, from: number, to: number): void {
  for (let j = from + 1; j < to; j++) {
    const v = values[j]!;
    let k = j - 1;
    while (k >= from && values[k]! > v) {
      values[k + 1] = values[k]!;
      k--;
    }
    values[k + 1] = v;
  }
}

/** Long runs are often all one value (rounded data); then there is nothing to do. */
function isSorted(values: Float64Array, from: number, to: number): boolean {
  for (let j = from + 1; j < to; j++) if (values[j]! < values[j - 1]!) return false;
  return true;
}
