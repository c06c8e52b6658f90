import { MISSING_CATEGORY } from '../inference/onnx-model.js';
import { nonFiniteToken } from './body.js';
import { InputError } from './errors.js';
import type { FeatureSchema, FeatureSpec } from './features.js';

/**
 * Validated rows in the model's own layout: one numeric column per numeric
 * feature (NaN = missing) and one string column per categorical feature
 * (MISSING_CATEGORY = missing), cheap to concatenate for a micro-batch. Numbers
 * stay float64 here (the prediction log records what the client sent); they
 * become the float32 [N, 1] ONNX inputs when the batch runs.
 */
export interface Columns {
  rows: number;
  numeric: Map<string, Float64Array>;
  categorical: Map<string, string[]>;
  /** Per categorical feature, how many values the model never saw in training (it ignores them). */
  unknownCategories: Map<string, number>;
}

export interface ValidationPolicy {
  /** A field that is not a feature: refuse the request (default), or drop the field. */
  extraFields: 'reject' | 'ignore';
  /** At most this many rows per request (413 beyond). */
  maxRows: number;
}

/** The same bound as dataset/table.ts: models take float32 inputs. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A value as an error message shows it. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function checkRowCount(rows: number, policy: ValidationPolicy): void {
  if (rows === 0) throw new InputError('the request has no rows');
  if (rows > policy.maxRows) {
    throw new InputError(`the request has ${rows} rows; at most ${policy.maxRows} are accepted per request (split it)`, { status: 413 });
  }
}

/**
 * Fills columns cell by cell; every rejection names the field and the row
 * (0-based, the index in the request's list of rows).
 */
export class ColumnsBuilder {
  private readonly numeric = new Map<string, Float64Array>();
  private readonly categorical = new Map<string, string[]>();
  private readonly unknown = new Map<string, number>();

  constructor(
    readonly schema: FeatureSchema,
    readonly rows: number,
  ) {
    for (const f of schema.features) {
      if (f.kind === 'numeric') this.numeric.set(f.name, new Float64Array(rows));
      else this.categorical.set(f.name, new Array<string>(rows).fill(MISSING_CATEGORY));
    }
  }

  /** A JSON value: number or null for numeric features; string or null for categorical ones. */
  put(f: FeatureSpec, row: number, value: unknown): void {
    const token = nonFiniteToken(value);
    if (token !== null) {
      throw new InputError(`row ${row}, field "${f.name}": ${token} is not a finite number (send null for a missing value)`, { field: f.name, row });
    }
    if (f.kind === 'numeric') {
      if (value === null) return this.putNumber(f, row, Number.NaN, true);
      if (typeof value !== 'number') {
        throw new InputError(`row ${row}, field "${f.name}": expected a number or null (numeric feature), got ${describe(value)}`, { field: f.name, row });
      }
      return this.putNumber(f, row, value, false);
    }
    if (value === null) return this.putString(f, row, MISSING_CATEGORY);
    if (typeof value !== 'string') {
      throw new InputError(`row ${row}, field "${f.name}": expected a string or null (categorical feature), got ${describe(value)}`, { field: f.name, row });
    }
    this.putString(f, row, value);
  }

  /**
   * A CSV cell, read with the training-time rules of dataset/table.ts: blank is
   * missing everywhere, a numeric cell may also say "nan".
   */
  putText(f: FeatureSpec, row: number, text: string): void {
    const t = text.trim();
    if (f.kind === 'categorical') return this.putString(f, row, text);
    if (t === '' || t.toLowerCase() === 'nan') return this.putNumber(f, row, Number.NaN, true);
    const v = Number(t);
    if (Number.isNaN(v)) {
      throw new InputError(`row ${row}, field "${f.name}": expected a number (numeric feature), got ${describe(text)}`, { field: f.name, row });
    }
    this.putNumber(f, row, v, false);
  }

  /** A number from a binary tensor: NaN is how numpy spells missing there (binary tensors have no null). */
  putNumber(f: FeatureSpec, row: number, v: number, missing: boolean): void {
    if (f.kind !== 'numeric') {
      throw new InputError(`row ${row}, field "${f.name}": expected a string (categorical feature), got a number`, { field: f.name, row });
    }
    if (!missing && !Number.isNaN(v) && !(Math.abs(v) <= FLOAT32_MAX)) {
      throw new InputError(`row ${row}, field "${f.name}": ${v} is not a finite float32 number`, { field: f.name, row });
    }
    this.numeric.get(f.name)![row] = v;
  }

  putString(f: FeatureSpec, row: number, s: string): void {
    if (f.kind !== 'categorical') {
      throw new InputError(`row ${row}, field "${f.name}": expected a number (numeric feature), got a string`, { field: f.name, row });
    }
    const value = s.trim() === '' ? MISSING_CATEGORY : s;
    if (value !== MISSING_CATEGORY && !f.categories.has(value)) this.unknown.set(f.name, (this.unknown.get(f.name) ?? 0) + 1);
    this.categorical.get(f.name)![row] = value;
  }

  build(): Columns {
    return { rows: this.rows, numeric: this.numeric, categorical: this.categorical, unknownCategories: this.unknown };
  }
}

export function unknownField(key: string, row: number | undefined, schema: FeatureSchema): InputError {
  const where = row === undefined ? '' : `row ${row}: `;
  return new InputError(
    `${where}unknown field "${key}"; the model's features are ${schema.features.map((f) => f.name).join(', ')} (the server can be started to ignore extra fields)`,
    row === undefined ? { field: key } : { field: key, row },
  );
}

/** Row `i` of validated columns as a JSON record (missing → null): for the prediction log. */
export function rowRecord(columns: Columns, schema: FeatureSchema, i: number): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = {};
  for (const f of schema.features) {
    if (f.kind === 'numeric') {
      const v = columns.numeric.get(f.name)![i]!;
      out[f.name] = Number.isNaN(v) ? null : v;
    } else {
      const v = columns.categorical.get(f.name)![i]!;
      out[f.name] = v === MISSING_CATEGORY ? null : v;
    }
  }
  return out;
}
