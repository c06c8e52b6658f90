/** Share of rows whose predicted label equals the true label. */
export function accuracy(truth: readonly string[], predicted: readonly string[]): number {
  checkLengths(truth.length, predicted.length);
  let hit = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) hit++;
  return hit / truth.length;
}

/**
 * F1 as scikit-learn's f1_score computes it: for two classes, of the positive
 * class (the second of the sorted classes, as the trainer orders them); for more,
 * the unweighted mean over classes ("macro"). A class never predicted and never
 * present scores 0, as scikit-learn's zero_division=0 does.
 */
export function f1(truth: readonly string[], predicted: readonly string[], classes: readonly string[]): number {
  checkLengths(truth.length, predicted.length);
  const perClass = (c: string) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i] === c;
      const p = predicted[i] === c;
      if (t && p) tp++;
      else if (p) fp++;
      else if (t) fn++;
    }
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  };
  if (classes.length === 2) return perClass(classes[1]!);
  return classes.reduce((s, c) => s + perClass(c), 0) / classes.length;
}

function checkLengths(a: number, b: number): void {
  if (a !== b) throw new RangeError(`truth has ${a} rows but predictions have ${b}`);
  if (a === 0) throw new RangeError('no rows to score');
}
