import type { ColumnSet } from '../dataset/columns.js';
import { DataError } from '../errors/index.js';
import { pairColumns, type ColumnPair } from './column-pairs.js';
import { columnRule, type ColumnRule } from './column-rule.js';
import type { DriftConfig } from '../config/drift.js';
import { datasetDrift } from './dataset-verdict.js';
import type { DriftOptions } from './options.js';
import type { ColumnDrift, DriftReport } from './report.js';

/** One report's check of one column. */
export interface ColumnCheck {
  /** Which report (index into the options list) and where in its column list. */
  report: number;
  position: number;
  rule: ColumnRule;
  config: DriftConfig;
  withDistribution: boolean;
}

/** A column to prepare once, and every check the requested reports make on it. */
export interface ColumnWork {
  pair: ColumnPair;
  checks: ColumnCheck[];
}

/**
 * Everything that can be checked before looking at the values, so that a bad
 * column list or a method that cannot apply fails at once (DataError /
 * ConfigError naming the column), not after minutes of work. Several reports
 * over the same two windows share the work per column: each column is
 * prepared (missing values set aside, sorted when a method needs it) once for
 * all of them.
 */
export function planReports(reference: ColumnSet, current: ColumnSet, optionsList: readonly DriftOptions[]): { work: ColumnWork[]; sizes: number[] } {
  const byName = new Map<string, ColumnWork>();
  const sizes = optionsList.map((options, report) => {
    const pairs = pairColumns(reference, current, options.columns);
    if (!options.columns) checkMustWatchPresent(reference, current, options, pairs);
    pairs.forEach((pair, position) => {
      let work = byName.get(pair.name);
      if (!work) byName.set(pair.name, (work = { pair, checks: [] }));
      work.checks.push({
        report,
        position,
        rule: columnRule(pair.name, pair.reference.kind, options.config),
        config: options.config,
        withDistribution: options.distributions ?? true,
      });
    });
    return pairs.length;
  });
  return { work: [...byName.values()], sizes };
}

/** A must-watch feature that silently went missing would defeat its purpose. */
function checkMustWatchPresent(reference: ColumnSet, current: ColumnSet, options: DriftOptions, pairs: readonly ColumnPair[]): void {
  const present = new Set(pairs.map((p) => p.name));
  for (const [name, feature] of Object.entries(options.config.features)) {
    if (!feature.mustWatch || present.has(name)) continue;
    const window = reference.columns.has(name) ? 'the current window' : current.columns.has(name) ? 'the reference window' : 'either window';
    throw new DataError(`must-watch feature "${name}" is not in ${window}`, { column: name });
  }
}

/** Puts each check's result in its report, then adds the data-set verdicts. */
export function assembleReports(
  work: readonly ColumnWork[],
  results: readonly (readonly ColumnDrift[])[],
  sizes: readonly number[],
  optionsList: readonly DriftOptions[],
  reference: ColumnSet,
  current: ColumnSet,
): DriftReport[] {
  const columns = sizes.map((size) => new Array<ColumnDrift>(size));
  work.forEach((w, k) => w.checks.forEach((check, j) => (columns[check.report]![check.position] = results[k]![j]!)));
  return optionsList.map((options, report) => ({
    version: 1,
    dataset: datasetDrift(columns[report]!, options.config, { reference: reference.rows, current: current.rows }),
    columns: columns[report]!,
  }));
}
