import { measured, undefinedMetric, type MetricValues } from './metric-value.js';
import { mae, mape, r2, rmse } from './regression.js';

/** The metrics a regressor is monitored with. */
export const REGRESSION_METRICS = ['rmse', 'mae', 'mape', 'r2'] as const;

/**
 * Every regression metric on paired truth and predictions, each matching
 * scikit-learn: RMSE, MAE, MAPE (mean_absolute_percentage_error, a fraction)
 * and R² (r2_score: with a constant target, 1 for a perfect fit and 0
 * otherwise — scikit-learn's force_finite convention). No rows: every metric
 * null; one row: R² null (scikit-learn: nan, "not well-defined with less than
 * two samples").
 */
export function regressionMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): MetricValues {
  if (truth.length !== predicted.length) throw new RangeError(`truth has ${truth.length} rows but predictions have ${predicted.length}`);
  for (const [what, values] of [['truth', truth], ['predictions', predicted]] as const) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) throw new RangeError(`${what} row ${i} is ${values[i]}, not a finite number`);
    }
  }
  if (truth.length === 0) {
    const none = undefinedMetric('no labelled rows');
    return Object.fromEntries(REGRESSION_METRICS.map((m) => [m, none]));
  }
  return {
    rmse: measured(rmse(truth, predicted)),
    mae: measured(mae(truth, predicted)),
    mape: measured(mape(truth, predicted)),
    r2: truth.length < 2 ? undefinedMetric('R² needs at least two rows') : measured(r2(truth, predicted)),
  };
}
