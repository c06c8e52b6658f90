import { chiSquareTest } from '../../stats/index.js';
import type { ValueCounts } from '../value-counts.js';
import type { MethodResult } from './result.js';

/**
 * Evidently's chi-squared test (chisquare_stattest.py): over the union of the
 * values, observed = current counts, expected = reference counts scaled to the
 * current size (× n_current / n_reference), then scipy.stats.chisquare.
 * A value present only in the current window has expected 0: χ² is infinite
 * and p is 0 (scipy's answer); JSON has no infinity, so the statistic is
 * reported as null with the reason.
 */
export function chiSquare(counts: ValueCounts): MethodResult {
  const referenceRows = total(counts.reference);
  const scale = total(counts.current) / referenceRows;
  const expected = Float64Array.from(counts.reference, (count) => count * scale);
  const { statistic, pValue } = chiSquareTest(counts.current, expected);
  if (statistic === Infinity) {
    return { statistic: null, pValue, reason: 'χ² is infinite: the current window has values the reference never shows' };
  }
  return { statistic, pValue };
}

function total(counts: Float64Array): number {
  let s = 0;
  for (let k = 0; k < counts.length; k++) s += counts[k]!;
  return s;
}
