import type { ColumnSet } from '../dataset/columns.js';
import { DataError } from '../errors/index.js';
import { pairColumns, type ColumnPair } from './column-pairs.js';
import { columnRule, type ColumnRule } from './column-rule.js';
import { datasetDrift } from './dataset-verdict.js';
import type { DriftOptions } from './options.js';
import type { ColumnDrift, DriftReport } from './report.js';

/** One column to check and what the config says about it. */
export interface ColumnTask {
  pair: ColumnPair;
  rule: ColumnRule;
}

/**
 * Everything that can be checked before looking at the values, so that a bad
 * column list or a method that cannot apply fails at once (DataError /
 * ConfigError naming the column), not after minutes of work.
 */
export function planColumns(reference: ColumnSet, current: ColumnSet, options: DriftOptions): ColumnTask[] {
  const pairs = pairColumns(reference, current, options.columns);
  if (!options.columns) {
    // A must-watch feature that silently went missing would defeat its purpose.
    const present = new Set(pairs.map((p) => p.name));
    for (const [name, feature] of Object.entries(options.config.features)) {
      if (!feature.mustWatch || present.has(name)) continue;
      const window = reference.columns.has(name) ? 'the current window' : current.columns.has(name) ? 'the reference window' : 'either window';
      throw new DataError(`must-watch feature "${name}" is not in ${window}`, { column: name });
    }
  }
  return pairs.map((pair) => ({ pair, rule: columnRule(pair.name, pair.reference.kind, options.config) }));
}

export function assembleReport(columns: ColumnDrift[], options: DriftOptions, reference: ColumnSet, current: ColumnSet): DriftReport {
  return {
    version: 1,
    dataset: datasetDrift(columns, options.config, { reference: reference.rows, current: current.rows }),
    columns,
  };
}
