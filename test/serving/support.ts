import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeExampleProject } from '../../demo/example.js';
import type { EstimatorName } from '../../config/pipeline.js';
import { readCsv } from '../../dataset/csv.js';
import { toFeatureTable, type FeatureTable } from '../../dataset/table.js';
import { OnnxModel } from '../../inference/onnx-model.js';
import type { Predictions } from '../../metrics/index.js';
import type { PredictionSink, PredictionRecord, FeedbackRecord } from '../../serving/prediction-log.js';
import { createServingServer, type ServingOptions, type ServingServer } from '../../serving/server.js';
import { trainFile } from '../../training/train-file.js';
import type { ModelCard } from '../../training/model-card.js';

export interface TrainedModel {
  dir: string;
  onnx: string;
  card: ModelCard;
}

export interface Fixtures {
  root: string;
  data: string;
  classifier: TrainedModel;
  regressor: TrainedModel;
  cleanup(): Promise<void>;
}

/**
 * A classifier (churned, binary) and a regressor (monthly_charges) trained by
 * the real Python trainer on the example project's reference data.
 */
export async function trainFixtures(opts: { regressor?: boolean } = {}): Promise<Fixtures> {
  const root = await mkdtemp(join(tmpdir(), 'driftloop-serving-'));
  await writeExampleProject(root, { rows: 600 });
  const data = join(root, 'reference.csv');
  const [classifier, regressor] = await Promise.all([
    train(root, 'classifier', { target: 'churned', name: 'churn' }),
    opts.regressor === false
      ? Promise.resolve(undefined)
      : train(root, 'regressor', { target: 'monthly_charges', drop: ['churned'], name: 'charges' }),
  ]);
  return {
    root,
    data,
    classifier,
    regressor: regressor!,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export async function train(
  root: string,
  out: string,
  opts: { target: string; name: string; drop?: string[]; estimator?: EstimatorName; params?: Record<string, number | string>; seed?: number },
): Promise<TrainedModel> {
  const result = await trainFile({
    data: join(root, 'reference.csv'),
    target: opts.target,
    out: join(root, out),
    drop: opts.drop,
    name: opts.name,
    estimator: opts.estimator,
    params: opts.params,
    seed: opts.seed,
  });
  return { dir: result.outDir, onnx: result.model, card: result.card };
}

export async function startServer(opts: ServingOptions): Promise<ServingServer> {
  return createServingServer({ port: 0, processMetrics: false, ...opts });
}

/** The reference data's first `n` rows as JSON records (features only), as a client would send them. */
export async function referenceRecords(data: string, card: ModelCard, n: number): Promise<Record<string, number | string | null>[]> {
  const raw = await readCsv(data);
  return raw.rows.slice(0, n).map((row) => {
    const rec: Record<string, number | string | null> = {};
    for (const f of card.features) {
      const cell = row[raw.header.indexOf(f.name)]!;
      rec[f.name] = f.kind === 'numeric' ? (cell.trim() === '' ? null : Number(cell)) : cell.trim() === '' ? null : cell;
    }
    return rec;
  });
}

/** What inference/onnx-model.ts (the pipeline's own scorer) predicts for the same records. */
export async function referencePredictions(model: TrainedModel, records: Record<string, number | string | null>[]): Promise<Predictions> {
  const m = await OnnxModel.load(await readFile(model.onnx), model.card);
  try {
    return await m.predict(recordsTable(model.card, records));
  } finally {
    await m.release();
  }
}

export function recordsTable(card: ModelCard, records: Record<string, number | string | null>[]): FeatureTable {
  const features = card.features.map((f) => ({ name: f.name, kind: f.kind }));
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, (string | null)[]>();
  for (const f of features) {
    if (f.kind === 'numeric') numeric.set(f.name, Float64Array.from(records, (r) => (r[f.name] === null ? Number.NaN : Number(r[f.name]))));
    else categorical.set(f.name, records.map((r) => (r[f.name] as string | null) ?? null));
  }
  return { file: 'records', rows: records.length, features, numeric, categorical };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

export async function getJson(url: string): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(url);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

/** A sink that keeps what it is given, and can be made slow or failing. */
export class MemorySink implements PredictionSink {
  batches: PredictionRecord[][] = [];
  feedbacks: FeedbackRecord[] = [];
  delayMs = 0;
  failures = 0;
  /** While set, writes wait for it (a sink that is stuck). */
  gate: Promise<void> | null = null;
  writesStarted = 0;

  get records(): PredictionRecord[] {
    return this.batches.flat();
  }

  async write(records: PredictionRecord[]): Promise<void> {
    this.writesStarted++;
    if (this.gate) await this.gate;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failures > 0) {
      this.failures--;
      throw new Error('sink unavailable');
    }
    this.batches.push(records);
  }

  async feedback(record: FeedbackRecord): Promise<{ matched: boolean }> {
    const matched = this.records.some((r) => r.requestId === record.requestId && (record.row === null || r.row === record.row));
    if (matched) this.feedbacks.push(record);
    return { matched };
  }
}

/** Value of a metric line in Prometheus text, e.g. metric(text, 'driftloop_serving_batch_rows_count'). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const lbl = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => lbl.includes(`${k}="${v}"`))) {
      total += Number(m[3]);
      found = true;
    }
  }
  return found ? total : Number.NaN;
}
