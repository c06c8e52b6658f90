import { P_VALUE_METHODS, type DriftConfig, type DriftMethod } from '../config/drift.js';
import { columnThreshold, type ColumnRule } from './column-rule.js';
import { defaultMethod, FEW_VALUES } from './default-method.js';
import { columnDistribution } from './distribution.js';
import { evaluateMethod, type MethodResult } from './methods/index.js';
import { isConstantAndEqual, pooledDistinct, type PreparedColumn } from './prepared-column.js';
import type { ColumnDrift } from './report.js';
import { exceedsThreshold, missingShareJumped } from './verdict.js';

/**
 * One column's entry in the report: the method (the config's or Evidently's
 * default choice), its statistic and verdict, the missing-value counts, and
 * the distributions for the charts. Never a NaN verdict: empty windows,
 * windows below `minRows` and undefined statistics come back as
 * `insufficient-data` with the reason.
 */
export function columnDrift(column: PreparedColumn, rule: ColumnRule, config: DriftConfig, withDistribution: boolean): ColumnDrift {
  const verdict = testColumn(column, rule, config);
  // After the test: if it sorted the values, the histogram is a few binary searches.
  return withDistribution ? { ...verdict, ...optionalDistribution(column) } : verdict;
}

function testColumn(column: PreparedColumn, rule: ColumnRule, config: DriftConfig): Omit<ColumnDrift, 'distribution'> {
  const rows = column.rows;
  const missingJump = missingShareJumped(column.missing, column.total, config.missingShareIncrease);
  const bothPresent = rows.reference > 0 && rows.current > 0;
  const method: DriftMethod | null =
    rule.method ?? (bothPresent ? defaultMethod(column.kind, rows.reference, pooledDistinct(column, FEW_VALUES + 1)) : null);
  const threshold = method ? columnThreshold(column.name, method, config) : null;
  const missingDrift = config.missingCountsAsDrift && missingJump;

  const base = {
    name: column.name,
    kind: column.kind,
    method,
    threshold,
    mustWatch: rule.mustWatch,
    rows,
    missing: { reference: column.missing.reference, current: column.missing.current },
    missingJump,
  };

  const shortage = insufficiency(rows, config.minRows);
  if (shortage || !method || threshold === null) {
    return insufficient(base, shortage ?? 'no method applies', missingDrift);
  }
  let result: MethodResult;
  let reason: string | undefined;
  if (isConstantAndEqual(column)) {
    // scipy's chisquare has no degrees of freedom here (p = NaN) and the
    // z-test divides by zero; Evidently's verdict is "no drift" for all methods.
    result = { statistic: 0, pValue: P_VALUE_METHODS.has(method) ? 1 : null };
    reason = 'constant: one value, the same in both windows';
  } else {
    try {
      result = evaluateMethod(method, column, config);
    } catch (err) {
      // numpy refuses the same inputs ("Too many bins for data range": values
      // a few ulps apart); say so rather than fail the whole report.
      if (err instanceof RangeError) return insufficient(base, `${method} cannot be computed on these values: ${err.message}`, missingDrift);
      throw err;
    }
    reason = result.reason;
    const undefinedScore = P_VALUE_METHODS.has(method) ? Number.isNaN(result.pValue) : result.statistic === null || Number.isNaN(result.statistic);
    if (undefinedScore) return insufficient(base, `${method} is undefined (NaN) on these values`, missingDrift);
  }
  return {
    ...base,
    status: 'tested',
    ...(reason ? { reason } : {}),
    statistic: result.statistic,
    pValue: result.pValue,
    drifted: exceedsThreshold(method, result, threshold) || missingDrift,
  };
}

type Base = Omit<ColumnDrift, 'status' | 'reason' | 'statistic' | 'pValue' | 'drifted' | 'distribution'>;

function insufficient(base: Base, reason: string, missingDrift: boolean): Omit<ColumnDrift, 'distribution'> {
  // A missing-share jump is still a verdict the config asked for, even when
  // too few values remain to compare distributions.
  return { ...base, status: 'insufficient-data', reason, statistic: null, pValue: null, drifted: missingDrift };
}

function insufficiency(rows: { reference: number; current: number }, minRows: number): string | undefined {
  for (const window of ['reference', 'current'] as const) {
    if (rows[window] === 0) return `the ${window} window has no non-missing values`;
  }
  for (const window of ['reference', 'current'] as const) {
    if (rows[window] < minRows) return `the ${window} window has ${rows[window]} non-missing values, fewer than minRows (${minRows})`;
  }
  return undefined;
}

function optionalDistribution(column: PreparedColumn): Pick<ColumnDrift, 'distribution'> {
  const distribution = columnDistribution(column);
  return distribution ? { distribution } : {};
}
