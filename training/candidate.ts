import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../registry/blob-store.js';
import { ModelCard } from './model-card.js';
import type { PreparedTraining } from './prepare.js';

/** A trained candidate, as the rest of the pass sees it (paths and figures, never bytes). */
export interface Candidate {
  /** Directory holding model.onnx and metadata.json, keyed by the request hash. */
  candidateDir: string;
  /** The exact rows the candidate was trained on (its future drift reference). */
  trainingData: string;
  requestHash: string;
  modelSha256: string;
  trainingRows: number;
  validationMetrics: Record<string, number | null>;
  /** False when a previous attempt had already finished this exact request. */
  trained: boolean;
}

/** Reads the finished output of a prepared training, whichever runner produced it. */
export async function readCandidate(prepared: PreparedTraining, trained: boolean): Promise<Candidate> {
  const card = ModelCard.parse(JSON.parse(await readFile(join(prepared.outDir, 'metadata.json'), 'utf8')));
  return {
    candidateDir: prepared.outDir,
    trainingData: prepared.dataPath,
    requestHash: prepared.requestHash,
    modelSha256: sha256(await readFile(join(prepared.outDir, 'model.onnx'))),
    trainingRows: card.trainingData.rows,
    validationMetrics: card.metrics,
    trained,
  };
}
