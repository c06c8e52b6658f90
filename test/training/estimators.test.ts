import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { EstimatorName, Task } from '../../config/pipeline.js';
import { trainerPython } from '../../config/paths.js';
import { readCsv } from '../../dataset/csv.js';
import { toFeatureTable } from '../../dataset/table.js';
import { OnnxModel } from '../../inference/onnx-model.js';
import { ModelCard } from '../../training/model-card.js';
import { trainFile } from '../../training/train-file.js';

const REF = (f: string) => fileURLToPath(new URL(`../reference/${f}`, import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'driftloop-sk-'));
execFileSync(trainerPython(), [REF('sklearn_datasets.py'), dataDir]);

const small = { n_estimators: 15, max_depth: 3 };
const cases: [string, string, string, Task, EstimatorName, Record<string, number>][] = [
  ['breast_cancer', 'target', 'binary', 'binary', 'logistic_regression', { max_iter: 500 }],
  ['breast_cancer', 'target', 'binary', 'binary', 'random_forest', small],
  ['breast_cancer', 'target', 'binary', 'binary', 'gradient_boosting', small],
  ['breast_cancer', 'target', 'binary', 'binary', 'hist_gradient_boosting', { max_iter: 15 }],
  ['iris', 'target', 'multiclass', 'multiclass', 'logistic_regression', {}],
  ['iris', 'target', 'multiclass', 'multiclass', 'random_forest', small],
  ['iris', 'target', 'multiclass', 'multiclass', 'gradient_boosting', small],
  ['iris', 'target', 'multiclass', 'multiclass', 'hist_gradient_boosting', { max_iter: 15 }],
  ['diabetes', 'target', 'regression', 'regression', 'linear_regression', {}],
  ['diabetes', 'target', 'regression', 'regression', 'ridge', {}],
  ['diabetes', 'target', 'regression', 'regression', 'random_forest', small],
  ['diabetes', 'target', 'regression', 'regression', 'gradient_boosting', small],
  ['diabetes', 'target', 'regression', 'regression', 'hist_gradient_boosting', { max_iter: 15 }],
];

describe('every built-in estimator family, on scikit-learn\'s own data sets', () => {
  it.each(cases)('%s (%s, %s): %s/%s trains, converts, passes parity, and predicts the same in onnxruntime-node as in Python', async (dataset, target, _t, task, estimator, params) => {
    const data = join(dataDir, `${dataset}.csv`);
    const out = join(mkdtempSync(join(tmpdir(), 'driftloop-est-')), 'model');
    const result = await trainFile({ data, target, out, estimator, params, seed: 5 });
    expect(result.inference.task).toBe(task);
    expect(result.inference.features.find((f) => f.name === 'band')?.kind).toBe('categorical');

    // The whole card validates against its (strict) schema.
    const parsed = ModelCard.safeParse(JSON.parse(await readFile(result.metadata, 'utf8')));
    expect(parsed.error?.issues ?? []).toEqual([]);
    const card = parsed.data!;
    expect(card.task).toBe(task);
    expect(card.parity.maxAbsDiff).toBeLessThanOrEqual(card.parity.tolerance);
    expect(card.estimator).toMatchObject({ name: estimator, params });
    const metricNames = Object.keys(card.metrics);
    expect(metricNames).toEqual(task === 'regression' ? ['rmse', 'mae', 'r2'] : ['accuracy', 'f1', 'rocAuc', 'logLoss']);
    if (task !== 'regression') expect(card.metrics.accuracy).toBeGreaterThan(0.8);
    else expect(card.metrics.r2).toBeGreaterThan(0.2);

    // The same ONNX file, the same rows: Node's onnxruntime and Python's agree.
    const python = JSON.parse(
      execFileSync(trainerPython(), [REF('onnx_predict.py'), result.model, result.metadata, data], { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }),
    ) as { labels?: string[]; probabilities?: number[][]; values?: number[] };
    const model = await OnnxModel.load(await readFile(result.model), card);
    const table = toFeatureTable(await readCsv(data), model.features);
    const node = await model.predict(table);
    if (node.kind === 'labels') {
      expect(node.labels).toEqual(python.labels);
      // Probabilities too, straight from the session.
      const session = await ort.InferenceSession.create(result.model);
      const feeds: Record<string, ort.Tensor> = {};
      for (const f of model.features) {
        feeds[f.name] =
          f.kind === 'numeric'
            ? new ort.Tensor('float32', Float32Array.from(table.numeric.get(f.name)!), [table.rows, 1])
            : new ort.Tensor('string', table.categorical.get(f.name)!.map((v) => v ?? ''), [table.rows, 1]);
      }
      const probs = (await session.run(feeds)).probabilities!.data as Float32Array;
      const flat = python.probabilities!.flat();
      expect(probs.length).toBe(flat.length);
      let worst = 0;
      for (let i = 0; i < flat.length; i++) worst = Math.max(worst, Math.abs(probs[i]! - flat[i]!));
      expect(worst).toBeLessThan(1e-6);
    } else {
      const values = python.values!;
      let worst = 0;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(node.values[i]! - values[i]!));
      expect(worst).toBeLessThan(1e-4);
    }
    await model.release();
  });
});
