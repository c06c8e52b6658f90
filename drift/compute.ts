import type { ColumnSet } from '../dataset/columns.js';
import { columnDrift } from './column-drift.js';
import type { DriftOptions } from './options.js';
import { assembleReports, planReports } from './plan.js';
import { prepareColumn } from './prepared-column.js';
import { SortWorkspace } from './sort-workspace.js';
import type { DriftReport } from './report.js';

/**
 * The drift report of `current` against `reference`, one column at a time (so
 * at most one column's sorted copies are alive at once). The inputs are not
 * modified. drift/parallel.ts spreads the same per-column work over threads.
 */
export function computeDriftReport(reference: ColumnSet, current: ColumnSet, options: DriftOptions): DriftReport {
  return computeDriftReports(reference, current, [options])[0]!;
}

/**
 * Several reports on the same two windows (e.g. Evidently's default methods
 * and PSI on every column): the same reports as separate computeDriftReport
 * calls, but each column is prepared once for all of them — its missing values
 * set aside once, its windows sorted at most once, and a later report's
 * binning answered from the sorted copies by binary search.
 */
export function computeDriftReports(reference: ColumnSet, current: ColumnSet, optionsList: readonly DriftOptions[]): DriftReport[] {
  const { work, sizes } = planReports(reference, current, optionsList);
  const workspace = new SortWorkspace(); // one set of column-sized buffers for all columns
  const results = work.map(({ pair, checks }) => {
    const prepared = prepareColumn(pair, { workspace });
    return checks.map((check) => columnDrift(prepared, check.rule, check.config, check.withDistribution));
  });
  return assembleReports(work, results, sizes, optionsList, reference, current);
}
