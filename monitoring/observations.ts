import { classificationMetrics } from '../metrics/classification-metrics.js';
import { undefinedMetric, type MetricValues } from '../metrics/metric-value.js';
import { regressionMetrics } from '../metrics/regression-metrics.js';
import { estimatePerformance } from './cbpe.js';

/** One classifier prediction: its class, its true label once known, its class probabilities in `classes` order when logged. */
export interface ClassifierRow {
  predicted: string;
  truth: string | null;
  probabilities: ArrayLike<number> | null;
}

/**
 * The rows of one window (or file) of a classifier, gathered for its
 * realised metrics (labelled rows) and its CBPE estimate (every row with
 * probabilities, labelled or not).
 */
export class ClassifierObservations {
  rows = 0;
  private readonly index: Map<string, number>;
  private readonly estimatedPredicted: number[] = [];
  private readonly estimatedProbabilities: number[] = [];
  private readonly truth: string[] = [];
  private readonly labelledPredicted: string[] = [];
  private readonly labelledProbabilities: number[] = [];
  private labelledWithoutProbabilities = 0;
  private unknownLabels = 0;
  private unknownExample: string | null = null;

  /**
   * `missingProbabilities` says why the probability metrics are null when some
   * labelled rows lack probabilities (default: what the prediction log lacks).
   */
  constructor(
    readonly classes: readonly string[],
    private readonly missingProbabilities = (without: number, labelled: number) => `${without} of ${labelled} labelled rows have no logged probabilities`,
  ) {
    this.index = new Map(classes.map((c, i) => [c, i]));
  }

  get labelledRows(): number {
    return this.truth.length;
  }

  add(row: ClassifierRow): void {
    this.rows++;
    const k = this.classes.length;
    if (row.probabilities) {
      if (row.probabilities.length !== k) throw new RangeError(`a row has ${row.probabilities.length} probabilities for ${k} classes`);
      this.estimatedPredicted.push(this.index.get(row.predicted) ?? -1);
      for (let j = 0; j < k; j++) this.estimatedProbabilities.push(row.probabilities[j]!);
    }
    if (row.truth === null) return;
    this.truth.push(row.truth);
    this.labelledPredicted.push(row.predicted);
    if (!this.index.has(row.truth)) {
      this.unknownLabels++;
      this.unknownExample ??= row.truth;
    }
    if (row.probabilities) for (let j = 0; j < k; j++) this.labelledProbabilities.push(row.probabilities[j]!);
    else this.labelledWithoutProbabilities++;
  }

  /** Every classification metric on the labelled rows (probability metrics only when every labelled row has probabilities). */
  realised(): MetricValues {
    const n = this.truth.length;
    const complete = this.labelledWithoutProbabilities === 0;
    const out = classificationMetrics({
      truth: this.truth,
      predicted: this.labelledPredicted,
      classes: this.classes,
      probabilities: complete ? { classes: this.classes, values: Float64Array.from(this.labelledProbabilities) } : null,
      probabilitiesMissing: this.missingProbabilities(this.labelledWithoutProbabilities, n),
    });
    if (this.unknownLabels > 0 && complete && n > 0) {
      const why = undefinedMetric(
        `${this.unknownLabels} of ${n} labels are not classes of the model (${this.classes.join(', ')}), e.g. ${JSON.stringify(this.unknownExample)}`,
      );
      for (const m of ['rocAuc', 'logLoss'] as const) if (out[m]!.value === null) out[m] = why;
    }
    return out;
  }

  /** The CBPE estimate over every row with probabilities; null when no row has them. */
  estimated(): MetricValues | null {
    if (this.estimatedPredicted.length === 0) return null;
    return estimatePerformance(Int32Array.from(this.estimatedPredicted), {
      classes: this.classes,
      values: Float64Array.from(this.estimatedProbabilities),
    });
  }
}

/** The rows of one window (or file) of a regressor. */
export class RegressorObservations {
  rows = 0;
  private readonly truth: number[] = [];
  private readonly predicted: number[] = [];

  get labelledRows(): number {
    return this.truth.length;
  }

  add(predicted: number, truth: number | null): void {
    this.rows++;
    if (truth === null) return;
    this.truth.push(truth);
    this.predicted.push(predicted);
  }

  realised(): MetricValues {
    return regressionMetrics(Float64Array.from(this.truth), Float64Array.from(this.predicted));
  }
}
