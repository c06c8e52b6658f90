/**
 * A typed cell (a Parquet value, a prediction-log field, a PostgreSQL column)
 * as the same value would be written in a CSV, so one set of parsing and
 * missing-value rules (dataset/table.ts) serves every source: null is blank,
 * NaN is "nan", dates are ISO-8601, objects are JSON.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
