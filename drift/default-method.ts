import type { DriftMethod } from '../config/drift.js';

/**
 * Evidently's default test choice (evidently 0.7.23,
 * legacy/calculations/stattests/registry.py `_get_default_stattest`), made on
 * the non-missing values (data_drift.py `get_one_column_drift` drops NaN/±Inf
 * before choosing):
 *
 *   reference rows ≤ 1000: numeric with > 5 distinct values (both windows pooled) → ks;
 *                          numeric with 3–5, or categorical with > 2 → chisquare; ≤ 2 → ztest.
 *   reference rows > 1000: numeric with > 5 distinct → wasserstein (normed); everything else → jensenshannon.
 *
 * `pooledDistinct` only has to be exact up to 6 (callers may cap it there).
 */
export const SMALL_REFERENCE_ROWS = 1000;
export const FEW_VALUES = 5;

export function defaultMethod(kind: 'numeric' | 'categorical', referenceRows: number, pooledDistinct: number): DriftMethod {
  if (referenceRows <= SMALL_REFERENCE_ROWS) {
    if (kind === 'numeric' && pooledDistinct > FEW_VALUES) return 'ks';
    return pooledDistinct > 2 ? 'chisquare' : 'ztest';
  }
  return kind === 'numeric' && pooledDistinct > FEW_VALUES ? 'wasserstein' : 'jensenshannon';
}
