import { ApplicationFailure, continueAsNew, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities, BatchModelRef, BatchPlan, ChunkResult } from '../activities/index.js';
import { BatchConfig, batchName, type BatchConfigRaw } from '../config/batch.js';
import { formatIssues } from '../config/format-issues.js';
import { ModelNameKey } from './search-attributes.js';

/** Resolving the version and planning: quick, and safe to retry. */
const { resolveBatchModel, planBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/**
 * One chunk: a retry resumes from the offset the failed attempt heartbeated.
 * The heartbeat timeout notices a killed worker in seconds; the chunk's
 * rows are bounded by chunkRows, so two hours is generous.
 */
const { scoreChunk } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/**
 * Chunks one run scores before continuing as new, so that one run's history
 * stays bounded (about 6 events a chunk) however large the input; the plan
 * itself is bounded by MAX_CHUNKS (activities/batch-score.ts).
 */
export const CHUNKS_PER_RUN = 200;

export interface BatchScoreInput {
  batch: BatchConfigRaw;
  /** Overrides CHUNKS_PER_RUN (tests exercise continue-as-new with a small value). */
  chunksPerRun?: number;
  /** Carried across continue-as-new; absent on the first run. */
  state?: BatchState;
}

export interface BatchState {
  model: BatchModelRef;
  plan: BatchPlan;
  /** The next chunk to score. */
  next: number;
  done: ChunkResult[];
  startedAt: number;
  runs: number;
}

export interface BatchScoreResult {
  name: string;
  model: string;
  version: number;
  sha256: string;
  outputDir: string;
  totalRows: number;
  rows: number;
  seconds: number;
  /** Runs of this workflow the batch took (continue-as-new after CHUNKS_PER_RUN chunks). */
  runs: number;
  chunks: ChunkResult[];
}

/**
 * Scheduled batch deployment: scores an input (a file, a folder of
 * partitions, a PostgreSQL query) with one model version in chunks, one
 * activity per chunk, at most `parallelism` at a time. The version is
 * resolved once, so every chunk of a batch — across retries and
 * continue-as-new — uses the same one.
 */
export async function batchScore(input: BatchScoreInput): Promise<BatchScoreResult> {
  const parsed = BatchConfig.safeParse(input.batch);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid batchScore input: ${formatIssues(parsed.error)}`, 'ConfigError');
  const batch = parsed.data;
  const perRun = input.chunksPerRun ?? CHUNKS_PER_RUN;
  // Set by the client at start too; a schedule's action may not, so the run tags itself.
  upsertSearchAttributes([{ key: ModelNameKey, value: batch.model }]);

  let state = input.state;
  if (!state) {
    const startedAt = Date.now();
    const model = await resolveBatchModel({
      model: batch.model,
      ...(batch.alias !== undefined ? { alias: batch.alias } : {}),
      ...(batch.version !== undefined ? { version: batch.version } : {}),
    });
    // One folder per run, named by its start time and run id: a schedule's runs never overwrite each other.
    const stamp = new Date(startedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const runDir = `${batch.output.path.replace(/\/+$/, '')}/${batchName(batch)}-${stamp}-${workflowInfo().firstExecutionRunId.slice(0, 8)}`;
    const plan = await planBatch({ batch, runDir, model });
    state = { model, plan, next: 0, done: [], startedAt, runs: 1 };
  }

  const limit = Math.min(state.plan.chunks, state.next + perRun);
  let next = state.next;
  const results: ChunkResult[] = [];
  const lane = async () => {
    while (next < limit) {
      const index = next++;
      results.push(await scoreChunk({ batch, planFile: state.plan.planFile, index, model: state.model }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(batch.parallelism, limit - next) }, lane));
  const done = [...state.done, ...results.sort((a, b) => a.index - b.index)];

  if (limit < state.plan.chunks) {
    await continueAsNew<typeof batchScore>({ ...input, state: { ...state, next: limit, done, runs: state.runs + 1 } });
  }
  return {
    name: batchName(batch),
    model: state.model.model,
    version: state.model.version,
    sha256: state.model.sha256,
    outputDir: state.plan.runDir,
    totalRows: state.plan.totalRows,
    rows: done.reduce((n, c) => n + c.rows, 0),
    seconds: (Date.now() - state.startedAt) / 1000,
    runs: state.runs,
    chunks: done,
  };
}
