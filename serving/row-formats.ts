import { InputError } from './errors.js';
import { checkRowCount, ColumnsBuilder, describe, unknownField, type Columns, type ValidationPolicy } from './columns.js';
import type { FeatureSchema } from './features.js';

/**
 * The row layouts clients send, each turned into validated Columns: records
 * (vetiver, MLflow dataframe_records / instances / inputs), a column map
 * (MLflow's columnar instances / inputs), pandas' "split" orient (MLflow's
 * dataframe_split) and CSV text (MLflow's text/csv). Errors name the field and
 * the 0-based row.
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `[{feature: value, …}, …]`: vetiver's /predict, MLflow's dataframe_records / instances / inputs. */
export function columnsFromRecords(records: unknown, schema: FeatureSchema, policy: ValidationPolicy, what = 'the body'): Columns {
  if (!Array.isArray(records)) {
    throw new InputError(`${what} must be a JSON array of records (one object per row), got ${describe(records)}`);
  }
  checkRowCount(records.length, policy);
  const b = new ColumnsBuilder(schema, records.length);
  for (let row = 0; row < records.length; row++) {
    const rec = records[row];
    if (!isRecord(rec)) throw new InputError(`row ${row}: expected an object with one field per feature, got ${describe(rec)}`, { row });
    for (const f of schema.features) {
      if (!(f.name in rec)) {
        throw new InputError(`row ${row}: missing field "${f.name}" (send null for a missing value)`, { field: f.name, row });
      }
      b.put(f, row, rec[f.name]);
    }
    if (policy.extraFields === 'reject') {
      for (const key of Object.keys(rec)) {
        if (!schema.byName.has(key)) throw unknownField(key, row, schema);
      }
    }
  }
  return b.build();
}

/** `{feature: [values…], …}`: MLflow's columnar `inputs` / `instances`. */
export function columnsFromColumnMap(map: Record<string, unknown>, schema: FeatureSchema, policy: ValidationPolicy): Columns {
  let rows: number | undefined;
  for (const f of schema.features) {
    const col = map[f.name];
    if (col === undefined) throw new InputError(`missing field "${f.name}"`, { field: f.name });
    if (!Array.isArray(col)) throw new InputError(`field "${f.name}": expected an array of values (one per row), got ${describe(col)}`, { field: f.name });
    if (rows === undefined) rows = col.length;
    else if (col.length !== rows) {
      throw new InputError(`field "${f.name}" has ${col.length} values but other fields have ${rows}`, { field: f.name });
    }
  }
  if (policy.extraFields === 'reject') {
    for (const key of Object.keys(map)) if (!schema.byName.has(key)) throw unknownField(key, undefined, schema);
  }
  checkRowCount(rows ?? 0, policy);
  const b = new ColumnsBuilder(schema, rows!);
  for (const f of schema.features) {
    const col = map[f.name] as unknown[];
    for (let row = 0; row < col.length; row++) b.put(f, row, col[row]);
  }
  return b.build();
}

/** `{columns: [...], data: [[...], ...]}`: MLflow's dataframe_split (pandas' "split" orient). */
export function columnsFromSplit(columns: readonly string[], data: readonly unknown[], schema: FeatureSchema, policy: ValidationPolicy): Columns {
  const index = checkHeader(columns, schema, policy);
  checkRowCount(data.length, policy);
  const b = new ColumnsBuilder(schema, data.length);
  for (let row = 0; row < data.length; row++) {
    const values = data[row];
    if (!Array.isArray(values) || values.length !== columns.length) {
      throw new InputError(`row ${row}: expected an array of ${columns.length} values (one per column), got ${Array.isArray(values) ? `${values.length} values` : describe(values)}`, { row });
    }
    for (const f of schema.features) b.put(f, row, values[index.get(f.name)!]);
  }
  return b.build();
}

/** A CSV table (header + rows of text), as MLflow's text/csv input. */
export function columnsFromText(header: readonly string[], rows: readonly string[][], schema: FeatureSchema, policy: ValidationPolicy): Columns {
  const index = checkHeader(header, schema, policy);
  checkRowCount(rows.length, policy);
  const b = new ColumnsBuilder(schema, rows.length);
  for (let row = 0; row < rows.length; row++) {
    for (const f of schema.features) b.putText(f, row, rows[row]![index.get(f.name)!] ?? '');
  }
  return b.build();
}

function checkHeader(columns: readonly string[], schema: FeatureSchema, policy: ValidationPolicy): Map<string, number> {
  const index = new Map<string, number>();
  columns.forEach((c, i) => {
    if (index.has(c)) throw new InputError(`column "${c}" appears twice`, { field: c });
    index.set(c, i);
  });
  for (const f of schema.features) if (!index.has(f.name)) throw new InputError(`missing column "${f.name}"`, { field: f.name });
  if (policy.extraFields === 'reject') for (const c of columns) if (!schema.byName.has(c)) throw unknownField(c, undefined, schema);
  return index;
}
