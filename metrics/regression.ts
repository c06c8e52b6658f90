export function rmse(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(truth, predicted);
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += (truth[i]! - predicted[i]!) ** 2;
  return Math.sqrt(s / truth.length);
}

export function mae(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(truth, predicted);
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += Math.abs(truth[i]! - predicted[i]!);
  return s / truth.length;
}

/** Coefficient of determination, 1 - SS_res / SS_tot (scikit-learn's r2_score). */
export function r2(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(truth, predicted);
  let mean = 0;
  for (let i = 0; i < truth.length; i++) mean += truth[i]!;
  mean /= truth.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < truth.length; i++) {
    res += (truth[i]! - predicted[i]!) ** 2;
    tot += (truth[i]! - mean) ** 2;
  }
  // scikit-learn's convention for a constant target.
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/** float64 machine epsilon: scikit-learn's floor for |y| in MAPE. */
const EPS = 2 ** -52;

/**
 * Mean absolute percentage error as scikit-learn's
 * mean_absolute_percentage_error: mean of |y − ŷ| / max(|y|, eps) with eps the
 * float64 machine epsilon — a zero target gives a huge term, not a division
 * by zero. A fraction (0.1 = 10 %), not a percentage.
 */
export function mape(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(truth, predicted);
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += Math.abs(truth[i]! - predicted[i]!) / Math.max(Math.abs(truth[i]!), EPS);
  return s / truth.length;
}

function check(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`truth has ${a.length} rows but predictions have ${b.length}`);
  if (a.length === 0) throw new RangeError('no rows to score');
}
