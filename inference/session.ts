import * as ort from 'onnxruntime-node';
import type { Task } from '../config/pipeline.js';
import { InferenceError } from '../errors/index.js';

/**
 * The onnxruntime calls every driftloop model goes through (evaluation,
 * monitoring, batch scoring, serving): opening a session over the trainer's
 * ONNX bytes, and running it into the trainer's output convention
 * ("label" + "probabilities" for classifiers, "variable" for regressors).
 */
export async function createSession(bytes: Uint8Array, opts: { threads?: number; label: string }): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, { intraOpNumThreads: opts.threads ?? 1, graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new InferenceError(`cannot load ONNX model ${opts.label}: ${(err as Error).message}`, { model: opts.label });
  }
}

export type RawOutputs =
  | { kind: 'labels'; labels: string[]; /** row-major [rows, classes] */ probabilities: Float32Array }
  | { kind: 'values'; values: Float32Array };

export async function runSession(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, task: Task): Promise<RawOutputs> {
  let out: ort.InferenceSession.ReturnType;
  try {
    out = await session.run(feeds);
  } catch (err) {
    throw new InferenceError(`ONNX inference failed: ${(err as Error).message}`, {});
  }
  if (task === 'regression') {
    const variable = out.variable ?? out[session.outputNames[0]!];
    if (!variable) throw new InferenceError('regression model has no output', {});
    return { kind: 'values', values: variable.data as Float32Array };
  }
  const label = out.label;
  const probabilities = out.probabilities;
  if (!label || !probabilities) throw new InferenceError('classifier lacks the "label" or "probabilities" output', {});
  return {
    kind: 'labels',
    labels: Array.from(label.data as ArrayLike<unknown>, (v) => String(v)),
    probabilities: probabilities.data as Float32Array,
  };
}
