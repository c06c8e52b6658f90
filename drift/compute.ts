import type { ColumnSet } from '../dataset/columns.js';
import { columnDrift } from './column-drift.js';
import type { DriftOptions } from './options.js';
import { assembleReport, planColumns } from './plan.js';
import { prepareColumn } from './prepared-column.js';
import type { DriftReport } from './report.js';

/**
 * The drift report of `current` against `reference`, one column at a time (so
 * at most one column's sorted copies are alive at once). The inputs are not
 * modified. drift/parallel.ts spreads the same per-column work over threads.
 */
export function computeDriftReport(reference: ColumnSet, current: ColumnSet, options: DriftOptions): DriftReport {
  const tasks = planColumns(reference, current, options);
  const withDistribution = options.distributions ?? true;
  const columns = tasks.map(({ pair, rule }) => columnDrift(prepareColumn(pair), rule, options.config, withDistribution));
  return assembleReport(columns, options, reference, current);
}
