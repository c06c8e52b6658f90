import * as ort from 'onnxruntime-node';
import type { Feature } from '../config/pipeline.js';
import type { FeatureTable } from '../dataset/table.js';
import { InferenceError } from '../errors/index.js';
import type { Predictions } from '../metrics/index.js';
import type { ModelCard } from '../training/model-card.js';

/**
 * What the trainer's preprocessing treats as a missing category. The ONNX graph
 * imputes it like scikit-learn's SimpleImputer does, so both sides must agree on
 * the token (see trainer/driftloop_trainer).
 */
export const MISSING_CATEGORY = '';

export type ModelOutputs =
  | { kind: 'labels'; labels: string[]; classes: string[]; /** row-major [rows, classes] */ probabilities: Float32Array }
  | { kind: 'values'; values: Float64Array };

/**
 * An ONNX model produced by driftloop's trainer, run with onnxruntime-node.
 * Inputs follow the trainer's convention: one [N, 1] tensor per feature, named
 * as the feature (float32 for numeric, string for categorical).
 */
export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly card: ModelCard,
  ) {}

  /**
   * `threads`: onnxruntime's intra-op threads. One by default: a worker or a
   * server runs many small inferences side by side; batch scoring of big
   * chunks gains from more.
   */
  static async load(bytes: Uint8Array, card: ModelCard, label = card.modelName, opts: { threads?: number } = {}): Promise<OnnxModel> {
    try {
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: opts.threads ?? 1, graphOptimizationLevel: 'all' });
      return new OnnxModel(session, card);
    } catch (err) {
      throw new InferenceError(`cannot load ONNX model ${label}: ${(err as Error).message}`, { model: label });
    }
  }

  get features(): readonly Feature[] {
    return this.card.features.map((f) => ({ name: f.name, kind: f.kind }));
  }

  /** Everything the model outputs for the rows: labels and class probabilities, or values. */
  async run(table: FeatureTable): Promise<ModelOutputs> {
    const n = table.rows;
    const feeds: Record<string, ort.Tensor> = {};
    for (const f of this.features) {
      if (f.kind === 'numeric') {
        const col = table.numeric.get(f.name);
        if (!col) throw new InferenceError(`input has no numeric column "${f.name}"`, { column: f.name });
        feeds[f.name] = new ort.Tensor('float32', Float32Array.from(col), [n, 1]);
      } else {
        const col = table.categorical.get(f.name);
        if (!col) throw new InferenceError(`input has no categorical column "${f.name}"`, { column: f.name });
        feeds[f.name] = new ort.Tensor('string', col.map((v) => v ?? MISSING_CATEGORY), [n, 1]);
      }
    }
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run(feeds);
    } catch (err) {
      throw new InferenceError(`ONNX inference failed: ${(err as Error).message}`, {});
    }
    if (this.card.task === 'regression') {
      const variable = out.variable ?? out[this.session.outputNames[0]!];
      if (!variable) throw new InferenceError('regression model has no output', {});
      return { kind: 'values', values: Float64Array.from(variable.data as Float32Array) };
    }
    const label = out.label;
    const probabilities = out.probabilities;
    if (!label || !probabilities) throw new InferenceError('classifier lacks the "label" or "probabilities" output', {});
    const classes = (this.card.classes ?? []).map(String);
    return {
      kind: 'labels',
      labels: Array.from(label.data as ArrayLike<unknown>, (v) => String(v)),
      classes,
      probabilities: probabilities.data as Float32Array,
    };
  }

  async predict(table: FeatureTable): Promise<Predictions> {
    const out = await this.run(table);
    return out.kind === 'values' ? out : { kind: 'labels', labels: out.labels, classes: out.classes };
  }

  /** Per-row output cells: [label, p(class 1), p(class 2)…] for classifiers, [value] for regressors. */
  async predictProbabilities(table: FeatureTable): Promise<{ row(i: number): (string | number)[] }> {
    const out = await this.run(table);
    if (out.kind === 'values') return { row: (i) => [out.values[i]!] };
    const k = out.classes.length;
    return { row: (i) => [out.labels[i]!, ...Array.from(out.probabilities.subarray(i * k, i * k + k))] };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
