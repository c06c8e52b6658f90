import type { ModelOutputs } from '../inference/onnx-model.js';
import type { ServedAnswer } from './canary-client.js';

/**
 * How a served answer differs from the same model run in-process on the same
 * row: null when it agrees (label exactly, every probability or value within
 * `tolerance`), else what differs. `diff` is the largest absolute difference.
 */
export function compareWithReference(expected: ModelOutputs, row: number, served: ServedAnswer, tolerance: number): { diff: number; mismatch: string | null } {
  if (expected.kind === 'values') {
    const want = expected.values[row]!;
    const diff = Math.abs((served.value ?? Number.NaN) - want);
    return { diff, mismatch: diff <= tolerance ? null : `value ${served.value} vs ${want} in-process` };
  }
  const k = expected.classes.length;
  let diff = 0;
  for (let c = 0; c < k; c++) {
    diff = Math.max(diff, Math.abs((served.probabilities?.[c] ?? Number.NaN) - expected.probabilities[row * k + c]!));
  }
  if (Number.isNaN(diff)) diff = Number.POSITIVE_INFINITY;
  const want = expected.labels[row]!;
  if (served.label !== want) return { diff, mismatch: `label "${served.label}" vs "${want}" in-process` };
  if (diff > tolerance) {
    const wantP = Array.from(expected.probabilities.subarray(row * k, row * k + k)).map((p) => p.toPrecision(6));
    return { diff, mismatch: `probabilities [${(served.probabilities ?? []).map((p) => p.toPrecision(6)).join(', ')}] vs [${wantP.join(', ')}] in-process` };
  }
  return { diff, mismatch: null };
}

/** Probabilities may sum to 1 up to float32 rounding over a handful of classes. */
const SUM_TOLERANCE = 1e-3;

/**
 * What is wrong with an answer on its own terms, whatever in-process inference
 * says (both read the same model card, so a card that misdescribes the graph
 * fools them alike): a classifier's label must be the class with the highest
 * probability and its probabilities must be a distribution over the card's
 * classes; a regressor's value must be finite. Null when sound.
 */
export function selfInconsistency(classes: readonly string[] | null, served: ServedAnswer, tolerance: number): string | null {
  if (classes === null) return served.value !== undefined && Number.isFinite(served.value) ? null : `value ${served.value} is not a finite number`;
  const p = served.probabilities ?? [];
  if (!classes.includes(served.label ?? '')) return `label "${served.label}" is not one of the card's classes ${JSON.stringify(classes)}`;
  const sum = p.reduce((a, b) => a + b, 0);
  if (p.some((x) => !(x >= 0 && x <= 1)) || Math.abs(sum - 1) > SUM_TOLERANCE) return `probabilities [${p.join(', ')}] are not a distribution`;
  const top = Math.max(...p);
  const labelP = p[classes.indexOf(served.label!)]!;
  // A tie at the top may go either way; beyond the tolerance the label must be the most probable class.
  if (labelP < top - Math.max(tolerance, 1e-6)) {
    return `label "${served.label}" has probability ${labelP.toPrecision(4)}, but "${classes[p.indexOf(top)]}" has ${top.toPrecision(4)}`;
  }
  return null;
}
