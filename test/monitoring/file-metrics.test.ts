import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../../errors/index.js';
import { CLASSIFICATION_METRICS, classificationMetrics } from '../../metrics/classification-metrics.js';
import { encodeLabels } from '../../metrics/confusion.js';
import { regressionMetrics } from '../../metrics/regression-metrics.js';
import { estimatePerformance } from '../../monitoring/cbpe.js';
import { metricsFromFile } from '../../monitoring/file-metrics.js';
import { argmax, random } from './support.js';

/**
 * Scored files as `driftloop score` writes them (input columns, `prediction`,
 * `probability_<class>`), with a label column added; some labels blank.
 */
const CLASSES = ['bronze', 'gold', 'silver'];
let dir: string;
const rng = random(42);
const n = 1500;
const proba = Array.from({ length: n }, () => rng.probabilities(3));
const predicted = proba.map((p) => CLASSES[argmax(p)]!);
const truth = proba.map((p, i) => (i % 5 === 0 ? null : CLASSES[rng.draw(p)]!));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftloop-file-metrics-'));
  const header = ['age', 'tier', 'prediction', ...CLASSES.map((c) => `probability_${c}`)];
  await writeFile(
    join(dir, 'scored.csv'),
    stringify([header, ...proba.map((p, i) => [String(20 + (i % 50)), truth[i] ?? '', predicted[i]!, ...p.map(String)])]),
  );
  parquetWriteFile({
    filename: join(dir, 'scored.parquet'),
    columnData: [
      { name: 'age', data: proba.map((_, i) => 20 + (i % 50)), type: 'DOUBLE' },
      { name: 'tier', data: truth, type: 'STRING' },
      { name: 'prediction', data: predicted, type: 'STRING' },
      ...CLASSES.map((c, j) => ({ name: `probability_${c}`, data: proba.map((p) => p[j]!), type: 'DOUBLE' as const })),
    ],
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expected() {
  const labelled = [...truth.keys()].filter((i) => truth[i] !== null);
  return {
    realised: classificationMetrics({
      truth: labelled.map((i) => truth[i]!),
      predicted: labelled.map((i) => predicted[i]!),
      classes: CLASSES,
      probabilities: { classes: CLASSES, values: Float64Array.from(labelled.flatMap((i) => proba[i]!)) },
    }),
    estimated: estimatePerformance(encodeLabels(predicted, CLASSES), { classes: CLASSES, values: Float64Array.from(proba.flat()) }),
    labelled: labelled.length,
  };
}

describe('metricsFromFile', () => {
  it.each(['scored.csv', 'scored.parquet'])('%s: realised on the labelled rows, CBPE on all; classes from the probability columns', async (name) => {
    const got = await metricsFromFile(join(dir, name), { target: 'tier', chunkRows: 400 });
    const want = expected();
    expect(got).toMatchObject({ task: 'multiclass', rows: n, labelledRows: want.labelled, classes: CLASSES });
    for (const m of CLASSIFICATION_METRICS) {
      // CSV carries each probability as its shortest round-trip text: the same doubles.
      expect(got.realised[m]!.value, m).toBe(want.realised[m]!.value);
    }
    expect(got.estimated).toEqual(want.estimated);
  });

  it('explicit probability columns and a classifier without probabilities (classes from the data, sorted)', async () => {
    const map = await metricsFromFile(join(dir, 'scored.csv'), {
      target: 'tier',
      probabilityColumns: { bronze: 'probability_bronze', gold: 'probability_gold', silver: 'probability_silver' },
    });
    expect(map.realised.logLoss).toEqual(expected().realised.logLoss);
    const csv = join(dir, 'labels-only.csv');
    await writeFile(csv, stringify([['y', 'prediction'], ['1', '1'], ['0', '1'], ['10', '10'], ['', '0'], ['2', '2']]));
    const got = await metricsFromFile(csv, { target: 'y', task: 'multiclass', probabilityColumns: [] });
    // Numeric labels are ordered as numbers (as scikit-learn orders classes), not as text.
    expect(got.classes).toEqual(['0', '1', '2', '10']);
    expect([got.rows, got.labelledRows, got.realised.accuracy!.value, got.estimated]).toEqual([5, 4, 0.75, null]);
    expect(got.realised.rocAuc).toEqual({ value: null, reason: `${csv} has no probability columns` });
  });

  it('regression: blank and "nan" targets are unlabelled rows', async () => {
    const y = Array.from({ length: 200 }, () => 50 + 10 * rng.normal());
    const yhat = y.map((v) => v + rng.normal());
    const csv = join(dir, 'regression.csv');
    await writeFile(csv, stringify([['price', 'prediction'], ...y.map((v, i) => [i % 10 === 0 ? (i % 20 === 0 ? '' : 'NaN') : String(v), String(yhat[i])])]));
    const got = await metricsFromFile(csv, { target: 'price', task: 'regression' });
    const kept = [...y.keys()].filter((i) => i % 10 !== 0);
    expect([got.rows, got.labelledRows, got.classes, got.estimated]).toEqual([200, 180, null, null]);
    expect(got.realised).toEqual(regressionMetrics(Float64Array.from(kept.map((i) => y[i]!)), Float64Array.from(kept.map((i) => yhat[i]!))));
  });

  it('bad input: errors name the file, row and column', async () => {
    await expect(metricsFromFile(join(dir, 'scored.csv'), { target: 'label' })).rejects.toThrow(/has no target column "label"; columns present: age, tier, prediction/);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, stringify([['y', 'prediction', 'probability_a', 'probability_b'], ['a', 'a', '0.9', '0.1'], ['b', 'b', '1.7', '0.3']]));
    await expect(metricsFromFile(bad, { target: 'y' })).rejects.toThrow(/bad\.csv data row 2, column "probability_a" must be a probability in \[0, 1\], not "1\.7"/);
    await writeFile(bad, stringify([['y', 'prediction'], ['3', 'x']]));
    await expect(metricsFromFile(bad, { target: 'y', task: 'regression' })).rejects.toThrow(/data row 1, column "prediction" is "x", not a finite number/);
    await expect(metricsFromFile(bad, { target: 'y' })).rejects.toBeInstanceOf(ConfigError);
    await writeFile(bad, stringify([['y', 'prediction'], ['3', '']]));
    await expect(metricsFromFile(bad, { target: 'y', task: 'regression' })).rejects.toBeInstanceOf(DataError);
    await expect(metricsFromFile(bad, { target: 'y', probabilityColumns: ['p_a'] })).rejects.toThrow(/does not say its class/);
  });
});
