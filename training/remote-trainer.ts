import type { TrainRequest } from './request.js';

/**
 * The activity the trainer image's Temporal Python worker serves
 * (`python -m driftloop_trainer worker`, task queue `driftloop-trainer` by
 * default). One JSON object in, one out; keys are spelled exactly as here.
 */
export interface RemoteTrainInput {
  request: TrainRequest;
  /** Paths on the volume the TypeScript workers and the trainer workers share. */
  dataPath: string;
  outDir: string;
}

export interface RemoteTrainOutput {
  outDir: string;
  /** False when the output already existed (a retry after the training finished). */
  trained: boolean;
}

export interface RemoteTrainerActivities {
  train(input: RemoteTrainInput): Promise<RemoteTrainOutput>;
}
