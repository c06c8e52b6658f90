import type { FeatureTable } from '../dataset/table.js';
import type { ExampleRow } from '../serving/features.js';
import type { ModelCard } from '../training/model-card.js';

/** One canary row as a client sends it, and where it came from (for the report). */
export interface CanaryRow {
  source: 'prototype' | 'holdout';
  record: ExampleRow;
}

/**
 * Holdout rows as JSON records with the candidate's features (missing → null,
 * as clients send them). A card feature the holdout lacks is named in
 * `missing`: then the holdout cannot be sent at all.
 */
export function holdoutRecords(card: ModelCard, table: FeatureTable, limit: number): { rows: ExampleRow[]; missing: string[] } {
  const missing = card.features.filter((f) => (f.kind === 'numeric' ? !table.numeric.has(f.name) : !table.categorical.has(f.name))).map((f) => f.name);
  if (missing.length) return { rows: [], missing };
  const rows: ExampleRow[] = [];
  for (let i = 0; i < Math.min(limit, table.rows); i++) {
    const row: ExampleRow = {};
    for (const f of card.features) {
      if (f.kind === 'numeric') {
        const v = table.numeric.get(f.name)![i]!;
        row[f.name] = Number.isNaN(v) ? null : v;
      } else {
        row[f.name] = table.categorical.get(f.name)![i] ?? null;
      }
    }
    rows.push(row);
  }
  return { rows, missing };
}

/** The records as a feature table, for the same rows' in-process inference. */
export function recordsTable(card: ModelCard, rows: readonly ExampleRow[]): FeatureTable {
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, (string | null)[]>();
  for (const f of card.features) {
    if (f.kind === 'numeric') {
      numeric.set(f.name, Float64Array.from(rows, (r) => (typeof r[f.name] === 'number' ? (r[f.name] as number) : Number.NaN)));
    } else {
      categorical.set(f.name, rows.map((r) => (r[f.name] === null || r[f.name] === undefined ? null : String(r[f.name]))));
    }
  }
  return { file: 'sandbox canary rows', rows: rows.length, features: card.features.map((f) => ({ name: f.name, kind: f.kind })), numeric, categorical };
}
