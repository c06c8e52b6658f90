import * as ort from 'onnxruntime-node';
import type { Feature } from '../config/pipeline.js';
import type { FeatureTable } from '../dataset/table.js';
import { InferenceError } from '../errors/index.js';
import type { Predictions } from '../metrics/index.js';
import type { ModelCard } from '../training/model-card.js';
import { createSession, runSession } from './session.js';

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
    return new OnnxModel(await createSession(bytes, { threads: opts.threads, label }), card);
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
    const out = await runSession(this.session, feeds, this.card.task);
    if (out.kind === 'values') return { kind: 'values', values: Float64Array.from(out.values) };
    return { ...out, classes: (this.card.classes ?? []).map(String) };
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
