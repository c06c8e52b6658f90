import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainerPython } from '../../config/paths.js';
import { readCsv } from '../../dataset/csv.js';
import { toFeatureTable } from '../../dataset/table.js';
import { writeExampleProject } from '../../demo/example.js';
import { OnnxModel } from '../../inference/onnx-model.js';
import { sha256 } from '../../registry/blob-store.js';
import { scoreFile } from '../../scoring/score-file.js';
import { trainFile, type TrainFileResult } from '../../training/train-file.js';

const BIN = fileURLToPath(new URL('../../bin/driftloop.js', import.meta.url));
let dir: string;
let trained: TrainFileResult;
let model: OnnxModel;
let input: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftloop-score-'));
  await writeExampleProject(dir, { rows: 1500 });
  trained = await trainFile({ data: join(dir, 'reference.csv'), target: 'churned', out: join(dir, 'model'), estimator: 'gradient_boosting', params: { n_estimators: 30 } });
  model = await OnnxModel.load(await readFile(trained.model), trained.card);
  input = join(dir, 'current-drifted.csv');
});

async function expected(file: string) {
  const table = toFeatureTable(await readCsv(file), model.features);
  return model.predictProbabilities(table);
}

describe('batch scoring', () => {
  it('streams a CSV in chunks and writes the input columns plus predictions, identical whatever the chunk size', async () => {
    const whole = join(dir, 'whole.csv');
    const chunked = join(dir, 'chunked.csv');
    const provenance = { model: 'churn', version: 3, sha256: sha256(await readFile(trained.model)) };
    const a = await scoreFile({ model, provenance, input, output: whole });
    const b = await scoreFile({ model, provenance, input, output: chunked, chunkRows: 97 });
    expect(a).toMatchObject({ rows: 1500, scored: 1500, rejected: 0 });
    expect(b.scored).toBe(1500);
    expect(await readFile(chunked, 'utf8')).toBe(await readFile(whole, 'utf8'));

    const out = await readCsv(whole);
    expect(out.header).toEqual(['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'churned', 'prediction', 'probability_0', 'probability_1']);
    const want = await expected(input);
    out.rows.forEach((row, i) => {
      const [label, p0, p1] = want.row(i);
      expect(row[5]).toBe(label);
      expect(Number(row[6])).toBeCloseTo(p0 as number, 6);
      expect(Number(row[7])).toBeCloseTo(p1 as number, 6);
    });
    const meta = JSON.parse(await readFile(`${whole}.metadata.json`, 'utf8'));
    expect(meta).toMatchObject({ 'driftloop.model': 'churn', 'driftloop.version': '3', 'driftloop.sha256': provenance.sha256 });
  });

  it('reads and writes Parquet, with the model version in the file\'s key-value metadata', async () => {
    const parquetIn = join(dir, 'current.parquet');
    execFileSync(trainerPython(), ['-c', 'import sys, pandas as pd; pd.read_csv(sys.argv[1]).to_parquet(sys.argv[2], row_group_size=400)', input, parquetIn]);
    const parquetOut = join(dir, 'scored.parquet');
    const result = await scoreFile({ model, provenance: { model: 'churn', version: 7, sha256: 'abc' }, input: parquetIn, output: parquetOut, chunkRows: 300 });
    expect(result.scored).toBe(1500);
    const buffer = await asyncBufferFromFile(parquetOut);
    const metadata = await parquetMetadataAsync(buffer);
    expect(metadata.key_value_metadata).toEqual(expect.arrayContaining([{ key: 'driftloop.version', value: '7' }]));
    const rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    expect(rows).toHaveLength(1500);
    const want = await expected(input);
    rows.forEach((row, i) => {
      expect(row.prediction).toBe(want.row(i)[0]);
      expect(row.probability_1 as number).toBeCloseTo(want.row(i)[2] as number, 6);
      expect(typeof row.tenure_months).toBe('bigint');
    });
    // And pandas reads what we wrote.
    const check = execFileSync(trainerPython(), ['-c', 'import sys, pandas as pd; d = pd.read_parquet(sys.argv[1]); print(len(d), list(d.columns)[-1])', parquetOut], { encoding: 'utf8' });
    expect(check.trim()).toBe('1500 probability_1');
  });

  it('stops at bad rows naming them, and writes no output', async () => {
    const raw = await readFile(input, 'utf8');
    const lines = raw.trimEnd().split('\n');
    lines[11] = lines[11]!.replace(/^[^,]*,[^,]*/, (m) => m.split(',')[0] + ',lots');
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, lines.join('\n') + '\n');
    const output = join(dir, 'never.csv');
    await expect(scoreFile({ model, provenance: { model: 'm', version: 1, sha256: 'x' }, input: bad, output })).rejects.toThrow(
      /row 11: column "monthly_charges" is numeric but has the value "lots"/,
    );
    await expect(stat(output)).rejects.toThrow();

    const rejects = join(dir, 'rejects.csv');
    const skipped = await scoreFile({ model, provenance: { model: 'm', version: 1, sha256: 'x' }, input: bad, output, badRows: 'skip', rejects });
    expect(skipped).toMatchObject({ rows: 1500, scored: 1499, rejected: 1 });
    const rej = await readCsv(rejects);
    expect(rej.rows).toHaveLength(1);
    expect(rej.rows[0]!.slice(0, 2)).toEqual(['11', 'column "monthly_charges" is numeric but has the value "lots"']);
  });

  it('refuses an input that lacks a feature column, naming it', async () => {
    const file = join(dir, 'nofeature.csv');
    await writeFile(file, 'tenure_months,plan\n1,basic\n');
    await expect(scoreFile({ model, provenance: { model: 'm', version: 1, sha256: 'x' }, input: file, output: join(dir, 'x.csv') })).rejects.toThrow(
      /lacks the model's feature column\(s\) "monthly_charges", "support_calls"/,
    );
  });

  it('driftloop score --onnx runs from the command line', async () => {
    const output = join(dir, 'cli.csv');
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'score', '--onnx', trained.model, input, output, '--json']);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ rows: 1500, scored: 1500, rejected: 0, model: { model: trained.card.modelName, version: null } });
    expect((await readCsv(output)).rows).toHaveLength(1500);
  });
});
