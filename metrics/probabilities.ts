/**
 * Class probabilities for n rows: row-major n × k, column j the probability of
 * `classes[j]` (the model card's order).
 */
export interface ProbabilityMatrix {
  classes: readonly string[];
  values: Float64Array;
}

export function rowsOf(p: ProbabilityMatrix): number {
  const k = p.classes.length;
  if (k === 0 || p.values.length % k !== 0) {
    throw new RangeError(`probability matrix of ${p.values.length} values does not split into rows of ${k} classes`);
  }
  return p.values.length / k;
}

/** Index of the highest probability in row i (the first on a tie, as numpy's argmax). */
export function topClass(p: ProbabilityMatrix, i: number): number {
  const k = p.classes.length;
  let best = 0;
  let max = p.values[i * k]!;
  for (let j = 1; j < k; j++) {
    const v = p.values[i * k + j]!;
    if (v > max) {
      max = v;
      best = j;
    }
  }
  return best;
}
