import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Context } from '@temporalio/activity';
import { batchName, type BatchConfig } from '../config/batch.js';
import { DataError, IntegrityError } from '../errors/index.js';
import { OnnxModel } from '../inference/onnx-model.js';
import { resolveModelRef } from '../registry/model-ref.js';
import { CHAMPION } from '../registry/types.js';
import { chunkToFeatures } from '../scoring/rows.js';
import { describeSource, inspectSource, readRange, type RangeSource } from '../scoring/row-ranges.js';
import { openTableSink } from '../scoring/sinks.js';
import type { Cell } from '../scoring/sources.js';
import type { ModelCard } from '../training/model-card.js';
import { asActivity } from './failures.js';
import type { ActivityDeps } from './shared.js';

/**
 * Scheduled batch deployment (workflows/batch-score.ts): resolve the model
 * version once, plan the input's chunks, then score one chunk per activity.
 * A chunk heartbeats its row offset after each segment it has durably
 * appended to a partial file, so a retried chunk resumes from that offset
 * instead of re-scoring the rows before it.
 */

/** The column every output row carries: the registry version that scored it. */
export const MODEL_VERSION_COLUMN = 'model_version';

/**
 * Per-run bound on the plan: the workflow's result lists every chunk, and a
 * Temporal payload must stay well under its 2 MB limit (a chunk result is ~300 bytes: ~600 KB at most).
 */
export const MAX_CHUNKS = 2_000;

export interface BatchModelRef {
  model: string;
  version: number;
  sha256: string;
}

export interface PlannedChunk {
  index: number;
  /** Index into BatchPlanFile.sources. */
  source: number;
  /** 0-based row offsets in the source, end exclusive. */
  start: number;
  end: number;
}

/** What planBatch writes beside the outputs: the chunks, read back by each scoreChunk. */
export interface BatchPlanFile {
  runDir: string;
  sources: { source: RangeSource; header: string[]; rows: number }[];
  chunks: PlannedChunk[];
}

export interface BatchPlan {
  runDir: string;
  planFile: string;
  chunks: number;
  totalRows: number;
}

export interface ChunkResult {
  index: number;
  /** The file (or query) the rows came from, and their 1-based row numbers in it. */
  source: string;
  firstRow: number;
  rows: number;
  output: string;
  seconds: number;
  /** Rows found already scored (from the last attempt's heartbeat) when this attempt started. */
  resumedFrom: number;
  attempt: number;
}

/** Test hooks (a dependency of createActivities, never set in production): observe segments, inject faults. */
export interface BatchScoringHooks {
  /** Called after a segment's rows were scored, before they are written. */
  onScored?(e: { index: number; offset: number; rows: number; attempt: number }): void;
  /** Called after a segment's offset was heartbeated; may throw to fail the attempt there. */
  afterHeartbeat?(e: { index: number; offset: number; attempt: number }): void | Promise<void>;
}

interface ChunkProgress {
  /** Rows of the chunk durably in the partial file. */
  done: number;
  /** The partial file's length after those rows: anything past it is from a failed attempt and is cut off. */
  bytes: number;
}

export interface ResolveBatchModelInput {
  model: string;
  alias?: string;
  version?: number;
}

export interface PlanBatchInput {
  batch: BatchConfig;
  runDir: string;
  model: BatchModelRef;
}

export interface ScoreChunkInput {
  batch: BatchConfig;
  planFile: string;
  index: number;
  model: BatchModelRef;
}

export function createResolveBatchModel({ registry }: ActivityDeps) {
  /** The version every chunk of the run uses, resolved once so an alias move mid-run changes nothing. */
  return function resolveBatchModel(input: ResolveBatchModelInput): Promise<BatchModelRef> {
    return asActivity(async () => {
      const ref = input.version !== undefined ? { model: input.model, version: input.version } : { model: input.model, alias: input.alias ?? CHAMPION };
      const v = await resolveModelRef(registry, ref);
      return { model: v.model, version: v.version, sha256: v.sha256 };
    });
  };
}

export function createPlanBatch({ registry }: ActivityDeps) {
  /**
   * Lists the input's sources with their row counts, checks each has the
   * model's features, and cuts them into chunks of `chunkRows` (a chunk never
   * spans two files). Written to `<runDir>/_plan.json` atomically; a retry
   * writes the same plan.
   */
  return function planBatch({ batch, runDir, model }: PlanBatchInput): Promise<BatchPlan> {
    return asActivity(async () => {
      const card = (await registry.getVersion(model.model, model.version)).card;
      const outputs = outputColumns(card);
      const sources: BatchPlanFile['sources'] = [];
      for (const source of await listSources(batch)) {
        const { header, rows } = await inspectSource(source);
        const missing = card.features.filter((f) => !header.includes(f.name)).map((f) => f.name);
        if (missing.length) {
          throw new DataError(`${describeSource(source)} lacks the model's feature column(s) ${missing.map((m) => `"${m}"`).join(', ')}; columns present: ${header.join(', ')}`, {
            columns: missing,
          });
        }
        const clash = outputs.find((c) => header.includes(c));
        if (clash) throw new DataError(`${describeSource(source)} already has a column "${clash}", which the scores would overwrite`, { column: clash });
        if (rows > 0) sources.push({ source, header, rows });
      }
      const chunks: PlannedChunk[] = [];
      sources.forEach((s, source) => {
        for (let start = 0; start < s.rows; start += batch.chunkRows) chunks.push({ index: chunks.length, source, start, end: Math.min(s.rows, start + batch.chunkRows) });
      });
      if (chunks.length === 0) throw new DataError(`the batch input of "${batchName(batch)}" has no rows to score`, {});
      if (chunks.length > MAX_CHUNKS) {
        throw new DataError(`chunkRows: ${batch.chunkRows} cuts the input into ${chunks.length} chunks, more than ${MAX_CHUNKS}; raise chunkRows`, { path: 'chunkRows' });
      }
      await mkdir(runDir, { recursive: true });
      const planFile = join(runDir, '_plan.json');
      const plan: BatchPlanFile = { runDir, sources, chunks };
      await writeAtomically(planFile, JSON.stringify(plan));
      return { runDir, planFile, chunks: chunks.length, totalRows: sources.reduce((n, s) => n + s.rows, 0) };
    });
  };
}

export function createScoreChunk({ registry, batchHooks: hooks }: ActivityDeps) {
  /**
   * Scores one chunk into `<runDir>/part-NNNNN.<format>`. Rows are appended
   * per segment to a partial file (one JSON array per line, fsynced) and the
   * offset heartbeated; a retry cuts the partial file back to the last
   * heartbeat and carries on from there. The output appears only complete
   * (written under a temporary name, then renamed).
   */
  return function scoreChunk({ batch, planFile, index, model: ref }: ScoreChunkInput): Promise<ChunkResult> {
    return asActivity(async () => {
      const started = performance.now();
      const plan = JSON.parse(await readFile(planFile, 'utf8')) as BatchPlanFile;
      const chunk = plan.chunks[index];
      if (!chunk) throw new DataError(`chunk ${index} is not in the plan ${planFile}`, { index });
      const { source, header } = plan.sources[chunk.source]!;
      const name = `part-${String(index).padStart(5, '0')}`;
      const output = join(plan.runDir, `${name}.${batch.output.format}`);
      const partial = join(plan.runDir, `.${name}.partial.ndjson`);
      const ctx = activityContext();
      const attempt = ctx?.info.attempt ?? 1;

      const progress = await resumePoint(partial, ctx?.info.heartbeatDetails);
      const resumedFrom = progress.done;
      const version = await registry.getVersion(ref.model, ref.version);
      if (version.sha256 !== ref.sha256) throw new IntegrityError(`${ref.model} version ${ref.version} no longer has the sha256 the batch resolved`, { ...ref });
      const onnx = await OnnxModel.load(await registry.readModel(version), version.card, `${ref.model} version ${ref.version}`, { threads: 1 });
      const file = await open(partial, 'r+');
      try {
        // Enough segments per chunk that a retry saves most of the work, few enough that the fsyncs cost little.
        const segmentRows = Math.max(1, Math.min(5_000, Math.ceil(batch.chunkRows / 4)));
        for await (const seg of readRange(source, chunk.start + progress.done, chunk.end, segmentRows)) {
          const { table, kept, bad } = chunkToFeatures(header, seg.rows, seg.offset + 1, onnx.features);
          if (bad.length) {
            const first = bad.slice(0, 3).map((b) => `row ${b.row}: ${b.reason}`).join('; ');
            throw new DataError(`${describeSource(source)}: ${bad.length} row(s) cannot be scored (${first})`, { rows: bad.slice(0, 20).map((b) => b.row) });
          }
          const predictions = await onnx.predictProbabilities(table);
          hooks?.onScored?.({ index, offset: seg.offset - chunk.start, rows: seg.rows.length, attempt });
          const lines = kept.map((r, k) => JSON.stringify([...seg.rows[r]!.map(jsonCell), ...predictions.row(k), ref.version])).join('\n');
          const bytes = Buffer.from(`${lines}\n`);
          await file.write(bytes, 0, bytes.length, progress.bytes);
          // The offset is heartbeated only once the rows are on disk: a heartbeat never claims rows that could be lost.
          await file.sync();
          progress.done += seg.rows.length;
          progress.bytes += bytes.length;
          ctx?.heartbeat({ ...progress });
          await hooks?.afterHeartbeat?.({ index, offset: progress.done, attempt });
        }
      } finally {
        await file.close();
        await onnx.release();
      }
      const rows = await writeOutput(partial, output, header, version.card, batch.output.format, ref);
      await rm(partial, { force: true });
      return {
        index,
        source: describeSource(source),
        firstRow: chunk.start + 1,
        rows,
        output,
        seconds: (performance.now() - started) / 1000,
        resumedFrom,
        attempt,
      };
    });
  };
}

/** Where to start: the last heartbeat's progress when its partial file still holds it, else the beginning. */
async function resumePoint(partial: string, details: unknown): Promise<ChunkProgress> {
  const d = details as Partial<ChunkProgress> | undefined;
  const size = await stat(partial).then((s) => s.size, () => -1);
  if (d && Number.isInteger(d.done) && Number.isInteger(d.bytes) && size >= d.bytes!) {
    // Rows appended after the last heartbeat were never acknowledged: cut them off, they are scored again.
    const h = await open(partial, 'r+');
    try {
      await h.truncate(d.bytes!);
    } finally {
      await h.close();
    }
    return { done: d.done!, bytes: d.bytes! };
  }
  await writeFile(partial, '');
  return { done: 0, bytes: 0 };
}

/** The columns scoring appends: the prediction, class probabilities, and the model version. */
function outputColumns(card: ModelCard): string[] {
  const classes = (card.classes ?? []).map(String);
  return [...(card.task === 'regression' ? ['prediction'] : ['prediction', ...classes.map((c) => `probability_${c}`)]), MODEL_VERSION_COLUMN];
}

/** Streams the partial file into the chunk's output (atomically: temporary name, then rename). */
async function writeOutput(partial: string, output: string, header: string[], card: ModelCard, format: 'csv' | 'parquet', ref: BatchModelRef): Promise<number> {
  const extra = outputColumns(card);
  const rows: Cell[][] = [];
  for await (const line of createInterface({ input: createReadStream(partial), crlfDelay: Infinity })) {
    if (line) rows.push(JSON.parse(line) as Cell[]);
  }
  const sink = await openTableSink({
    file: output,
    header: [...header, ...extra],
    types: [
      ...header.map((_, i) => (format === 'parquet' ? numericOrString(rows, i) : 'string')),
      ...extra.map((c) => (c === MODEL_VERSION_COLUMN ? 'int64' : c === 'prediction' && card.task !== 'regression' ? 'string' : 'double')),
    ],
    metadata: { 'driftloop.model': ref.model, 'driftloop.version': String(ref.version), 'driftloop.sha256': ref.sha256, 'driftloop.rows': String(rows.length) },
  });
  try {
    await sink.write(rows);
    await sink.commit();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return rows.length;
}

function numericOrString(rows: Cell[][], i: number): 'double' | 'string' {
  let numeric = false;
  for (const r of rows) {
    const v = r[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number') return 'string';
    numeric = true;
  }
  return numeric ? 'double' : 'string';
}

/** JSON has no bigint or Date: they travel as text (a bigint as its digits). */
function jsonCell(c: Cell): string | number | boolean | null {
  if (c === undefined || c === null) return null;
  if (typeof c === 'bigint') return c.toString();
  if (c instanceof Date) return c.toISOString();
  if (typeof c === 'number' && !Number.isFinite(c)) return null;
  return c;
}

async function listSources(batch: BatchConfig): Promise<RangeSource[]> {
  const input = batch.input;
  if (input.kind === 'file') return [{ kind: 'file', path: input.path }];
  if (input.kind === 'postgres') return [{ kind: 'postgres', query: input.query, orderBy: input.orderBy, urlEnv: input.urlEnv }];
  let names: string[];
  try {
    names = await readdir(input.path);
  } catch (err) {
    throw new DataError(`input.path: cannot list the folder ${input.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: 'input.path' });
  }
  const match = globToRegExp(input.pattern);
  // Only data files: sidecars (a CSV's .metadata.json, _SUCCESS markers) and hidden files often sit beside partitions.
  const files = names.filter((n) => match.test(n) && !n.startsWith('.') && /\.(csv|parquet|pq)$/i.test(n)).sort();
  if (files.length === 0) throw new DataError(`input.pattern: no .csv or .parquet file in ${input.path} matches "${input.pattern}"`, { path: 'input.pattern' });
  return files.map((f) => ({ kind: 'file', path: join(input.path, f) }));
}

/** `*` and `?` over one file name; everything else literal. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
