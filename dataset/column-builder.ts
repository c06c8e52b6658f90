import type { CategoricalColumn, NumericColumn } from './columns.js';

/**
 * Typed arrays that grow as rows stream in, so a file of unknown length (CSV)
 * is read straight into its final columnar form without an array of rows or
 * of boxed values in between.
 */

const INITIAL_CAPACITY = 1024;

/**
 * An array of `length` elements in a SharedArrayBuffer, which worker threads
 * can read without a copy (drift/parallel.ts lends such columns as they are).
 */
export function sharedArray<T extends Float64Array | Int32Array>(type: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT));
}

function sharedCopy<T extends Float64Array | Int32Array>(values: T, type: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
  const out = sharedArray(type, values.length);
  out.set(values);
  return out;
}

function grownCapacity(current: number, needed: number): number {
  let capacity = Math.max(current, INITIAL_CAPACITY);
  while (capacity < needed) capacity *= 2;
  return capacity;
}

/** Float64 values; NaN marks a missing value. */
export class NumericBuilder {
  private values: Float64Array;
  length = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.values.length) this.reserve(this.length + 1);
    this.values[this.length++] = value;
  }

  reserve(rows: number): void {
    if (rows <= this.values.length) return;
    const next = new Float64Array(grownCapacity(this.values.length, rows));
    next.set(this.values.subarray(0, this.length));
    this.values = next;
  }

  /** The column, trimmed to its length (one copy unless the capacity was exact; always one into shared memory). */
  finish(shared = false): NumericColumn {
    const used = this.values.subarray(0, this.length);
    const values = shared ? sharedCopy(used, Float64Array) : this.values.length === this.length ? this.values : used.slice();
    this.values = new Float64Array(0);
    return { kind: 'numeric', values };
  }
}

/** Dictionary codes in first-seen order; -1 marks a missing value. */
export class CategoricalBuilder {
  private codes: Int32Array;
  private readonly codeOf = new Map<string, number>();
  readonly categories: string[] = [];
  length = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.codes = new Int32Array(capacity);
  }

  /** The code of a category, adding it when new. */
  codeFor(category: string): number {
    let code = this.codeOf.get(category);
    if (code === undefined) {
      code = this.categories.length;
      this.codeOf.set(category, code);
      this.categories.push(category);
    }
    return code;
  }

  push(category: string | null): void {
    this.pushCode(category === null ? -1 : this.codeFor(category));
  }

  pushCode(code: number): void {
    if (this.length === this.codes.length) this.reserve(this.length + 1);
    this.codes[this.length++] = code;
  }

  reserve(rows: number): void {
    if (rows <= this.codes.length) return;
    const next = new Int32Array(grownCapacity(this.codes.length, rows));
    next.set(this.codes.subarray(0, this.length));
    this.codes = next;
  }

  finish(shared = false): CategoricalColumn {
    const used = this.codes.subarray(0, this.length);
    const codes = shared ? sharedCopy(used, Int32Array) : this.codes.length === this.length ? this.codes : used.slice();
    this.codes = new Int32Array(0);
    return { kind: 'categorical', codes, categories: this.categories };
  }
}
