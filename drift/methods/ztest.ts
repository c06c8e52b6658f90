import { twoProportionZTest } from '../../stats/index.js';
import type { ValueCounts } from '../value-counts.js';
import type { MethodResult } from './result.js';

/**
 * Evidently's two-proportion z-test (z_stattest.py): the values are sorted and
 * the first one is "0", every other value "1"; the pooled z statistic compares
 * the reference's and the current window's share of "1"s. (With more than two
 * values — only when forced by config — all but the first are lumped together,
 * as Evidently does.)
 */
export function twoProportionZ(counts: ValueCounts): MethodResult {
  let referenceRows = 0;
  let currentRows = 0;
  for (let k = 0; k < counts.labels.length; k++) {
    referenceRows += counts.reference[k]!;
    currentRows += counts.current[k]!;
  }
  const { statistic, pValue } = twoProportionZTest(
    referenceRows - counts.reference[0]!,
    referenceRows,
    currentRows - counts.current[0]!,
    currentRows,
  );
  return { statistic, pValue };
}
