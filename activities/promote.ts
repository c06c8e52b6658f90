import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelCard } from '../training/model-card.js';
import { asActivity } from './failures.js';
import type { ActivityDeps, VersionRef } from './shared.js';

export interface PromoteInput {
  model: string;
  candidateDir: string;
  trainingData: string;
  /** Move `champion` to the candidate (it won, or it is the first version). */
  promote: boolean;
  /** The champion the decision was made against (null: the model had none). */
  expectedChampion: VersionRef | null;
  runId: string;
  reason: string;
}

export interface PromoteResult {
  version: number;
  sha256: string;
  /** False when these bytes were already registered (a retry, or an identical retrain). */
  registered: boolean;
  promoted: boolean;
  previousChampion: number | null;
}

export function createPromote({ registry }: ActivityDeps) {
  /**
   * Registers the candidate (versions are keyed by content, so a retry finds
   * the same version) and, when told to, promotes it: `champion` moves by
   * compare-and-swap on the champion the decision was made against and
   * `previous` points at the old champion, in one transaction.
   */
  return function promote(input: PromoteInput): Promise<PromoteResult> {
    return asActivity(async () => {
      const [onnx, cardText, trainingData] = await Promise.all([
        readFile(join(input.candidateDir, 'model.onnx')),
        readFile(join(input.candidateDir, 'metadata.json'), 'utf8'),
        readFile(input.trainingData),
      ]);
      const card = ModelCard.parse(JSON.parse(cardText));
      const { version, created } = await registry.registerVersion({
        model: input.model,
        onnx,
        card,
        trainingData,
        runId: input.runId,
      });
      let promoted = false;
      if (input.promote) {
        // One transaction: champion moves by compare-and-swap on the champion
        // the decision was made against, and `previous` keeps the old one for
        // a rollback. A retry finds champion already there and changes nothing.
        const moved = await registry.promote({
          model: input.model,
          to: version.version,
          expectedChampion: input.expectedChampion?.version ?? null,
          actor: 'retrainPipeline',
          runId: input.runId,
          reason: input.reason,
        });
        promoted = moved.moved || moved.current === version.version;
      }
      return {
        version: version.version,
        sha256: version.sha256,
        registered: created,
        promoted,
        previousChampion: input.expectedChampion?.version ?? null,
      };
    });
  };
}
