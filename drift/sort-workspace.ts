/**
 * Buffers for preparing numeric columns, reused from one column to the next:
 * one per window for the finite values (compacted or copied before an
 * in-place sort) and one scratch for the radix sort. Without it every column
 * would allocate (and zero) three column-sized arrays and leave them to the
 * garbage collector — tens of megabytes per column at a million rows, which
 * shows in the peak memory more than in the time. Buffers grow to the longest
 * window seen and are only valid until the next column is prepared.
 */
export class SortWorkspace {
  #reference = new Float64Array(0);
  #current = new Float64Array(0);
  #scratch = new Float64Array(0);

  /** A buffer of at least `length` values for one window's finite values. */
  window(window: 'reference' | 'current', length: number): Float64Array {
    if (window === 'reference') {
      if (this.#reference.length < length) this.#reference = new Float64Array(length);
      return this.#reference.subarray(0, length);
    }
    if (this.#current.length < length) this.#current = new Float64Array(length);
    return this.#current.subarray(0, length);
  }

  /** The radix sort's scratch, at least `length` values. */
  scratch(length: number): Float64Array {
    if (this.#scratch.length < length) this.#scratch = new Float64Array(length);
    return this.#scratch;
  }
}
