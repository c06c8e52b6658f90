import { DataError } from '../errors/index.js';

/** The errors the columnar readers raise, worded alike for CSV and Parquet. */

/** The DataError for a requested column the file does not have. */
export function missingColumnError(file: string, name: string, present: readonly string[]): DataError {
  return new DataError(`${file} has no column "${name}"; columns present: ${present.join(', ') || '(none)'}`, { file, column: name });
}

/** The DataError for a value that cannot be read as a number in a numeric column. */
export function notNumericError(file: string, column: string, row: number, value: string): DataError {
  return new DataError(`${file} row ${row}: column "${column}" is numeric but has the value ${JSON.stringify(value)}`, {
    file,
    column,
    row,
    value,
  });
}
