import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { stringify } from 'yaml';
import type { BatchConfigRaw } from '../../config/batch.js';
import { readCsv, type RawTable } from '../../dataset/csv.js';
import { toFeatureTable } from '../../dataset/table.js';
import { writeExampleProject } from '../../demo/example.js';
import { OnnxModel } from '../../inference/onnx-model.js';
import type { Registry } from '../../registry/types.js';
import { openTableSink } from '../../scoring/sinks.js';
import { trainFile, type TrainFileResult } from '../../training/train-file.js';

/** A trained churn model and the example data, shared by a test file's tests. */
export interface BatchFixture {
  dir: string;
  trained: TrainFileResult;
  onnx: Uint8Array;
  /** 1500 rows to score. */
  input: string;
  inputTable: RawTable;
}

export async function batchFixture(): Promise<BatchFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'driftloop-batch-'));
  await writeExampleProject(dir, { rows: 1500 });
  const trained = await trainFile({
    data: join(dir, 'reference.csv'),
    target: 'churned',
    out: join(dir, 'model'),
    estimator: 'gradient_boosting',
    params: { n_estimators: 20 },
  });
  const input = join(dir, 'current-drifted.csv');
  return { dir, trained, onnx: await readFile(trained.model), input, inputTable: await readCsv(input) };
}

/** Registers the fixture's model under a fresh name and makes it champion. */
export async function registerChampion(registry: Registry, fx: BatchFixture, prefix = 'batch'): Promise<{ model: string; version: number; sha256: string }> {
  const model = `${prefix}-${randomBytes(4).toString('hex')}`;
  const { version } = await registry.registerVersion({
    model,
    onnx: fx.onnx,
    card: { ...fx.trained.card, modelName: model },
    trainingData: await readFile(join(fx.dir, 'reference.csv')),
  });
  await registry.promote({ model, to: version.version, expectedChampion: null, actor: 'test', runId: null, reason: 'test champion' });
  return { model, version: version.version, sha256: version.sha256 };
}

/** What in-process inference gives for the rows: [label, p0, p1] per row. */
export async function expectedScores(fx: BatchFixture, table: RawTable): Promise<(string | number)[][]> {
  const model = await OnnxModel.load(fx.onnx, fx.trained.card);
  try {
    const preds = await model.predictProbabilities(toFeatureTable(table, model.features));
    return table.rows.map((_, i) => preds.row(i));
  } finally {
    await model.release();
  }
}

/** Writes a batch config file and returns its path. */
export async function writeBatchConfig(dir: string, cfg: BatchConfigRaw | Record<string, unknown>, name = 'batch.yaml'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, stringify(cfg));
  return file;
}

/** A slice of the input table as its own file (CSV or Parquet, by extension). */
export async function writeRows(file: string, table: RawTable, from: number, to: number): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const numeric = new Set(['tenure_months', 'monthly_charges', 'support_calls']);
  const sink = await openTableSink({
    file,
    header: table.header,
    types: table.header.map((h) => (file.endsWith('.parquet') && numeric.has(h) ? 'double' : 'string')),
    metadata: {},
  });
  await sink.write(table.rows.slice(from, to).map((r) => r.map((c, i) => (file.endsWith('.parquet') && numeric.has(table.header[i]!) ? Number(c) : c))));
  await sink.commit();
}

/** Reads an output (CSV or Parquet) back as header + rows of text. */
export async function readOutput(file: string): Promise<{ header: string[]; rows: string[][] }> {
  if (file.endsWith('.csv')) return readCsv(file);
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const header = parquetSchema(metadata).children.map((c) => c.element.name);
  const objects = (await parquetReadObjects({ file: buffer, metadata })) as Record<string, unknown>[];
  return { header, rows: objects.map((o) => header.map((h) => (o[h] === null || o[h] === undefined ? '' : String(o[h])))) };
}

/**
 * Checks the outputs, in chunk order, against in-process inference of the
 * same rows: input columns untouched, prediction and probabilities equal,
 * and every row naming the model version that scored it.
 */
export async function expectOutputsMatch(
  outputs: string[],
  table: RawTable,
  want: (string | number)[][],
  version: number,
  expect: (v: unknown) => { toBe(x: unknown): void; toEqual(x: unknown): void; toBeCloseTo(x: number, d?: number): void },
): Promise<void> {
  const rows: string[][] = [];
  let header: string[] | undefined;
  for (const out of outputs) {
    const o = await readOutput(out);
    header ??= o.header;
    expect(o.header).toEqual(header);
    rows.push(...o.rows);
  }
  expect(header).toEqual([...table.header, 'prediction', 'probability_0', 'probability_1', 'model_version']);
  expect(rows.length).toBe(table.rows.length);
  rows.forEach((row, i) => {
    const n = table.header.length;
    table.rows[i]!.forEach((cell, j) => expect(Number.isNaN(Number(cell)) ? row[j] : Number(row[j])).toBe(Number.isNaN(Number(cell)) ? cell : Number(cell)));
    expect(row[n]).toBe(String(want[i]![0]));
    expect(Number(row[n + 1])).toBeCloseTo(want[i]![1] as number, 6);
    expect(Number(row[n + 2])).toBeCloseTo(want[i]![2] as number, 6);
    expect(row[n + 3]).toBe(String(version));
  });
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
