import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
import { PipelineConfig, type PipelineConfigInput } from '../../config/pipeline.js';
import { trainerPython } from '../../config/paths.js';
import { startHarness, type Harness } from '../support/harness.js';
import { exampleProject } from '../support/example.js';

const dataDir = mkdtempSync(join(tmpdir(), 'driftloop-sk-'));
execFileSync(trainerPython(), [fileURLToPath(new URL('../reference/sklearn_datasets.py', import.meta.url)), dataDir]);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

let counter = 0;
function pipelineOn(dataset: 'iris' | 'diabetes', trainer: PipelineConfigInput['trainer']): PipelineConfig {
  const numeric =
    dataset === 'iris'
      ? ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm']
      : ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
  const file = join(dataDir, `${dataset}.csv`);
  return PipelineConfig.parse({
    model: `${dataset}-${process.pid}-${counter++}`,
    task: dataset === 'iris' ? 'multiclass' : 'regression',
    target: 'target',
    features: [...numeric.map((name) => ({ name, kind: 'numeric' })), { name: 'band', kind: 'categorical' }],
    data: { reference: file, current: file },
    trainer,
  });
}

/** Runs a pass expected to fail in training; returns the failure and the highest attempt number seen. */
async function failingPass(pipeline: PipelineConfig): Promise<{ failure: ApplicationFailure; attempts: number }> {
  const handle = await startPass(h.client, pipeline, { taskQueue: h.taskQueue });
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const failure = (err as WorkflowFailedError).cause?.cause;
  expect(failure).toBeInstanceOf(ApplicationFailure);
  const history = await handle.fetchHistory();
  const attempts = Math.max(
    ...history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => Number(e.activityTaskStartedEventAttributes!.attempt)),
  );
  expect(await h.registry.resolveAlias(pipeline.model, 'champion')).toBeNull();
  expect(await h.registry.listVersions(pipeline.model)).toEqual([]);
  return { failure: failure as ApplicationFailure, attempts };
}

const failFast = (failure: ApplicationFailure, errorClass: string) => {
  expect(failure.type).toBe('TrainerError');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.details?.[0]).toMatchObject({ errorClass });
};

describe('trainer failures at the workflow level: fail fast or retry, and never touch the champion', () => {
  it('invalid request (an unknown hyperparameter) fails fast naming the parameter', async () => {
    const { failure, attempts } = await failingPass(pipelineOn('iris', { estimator: 'random_forest', params: { n_trees: 10 } }));
    failFast(failure, 'invalid_request');
    expect(failure.message).toContain('n_trees');
    expect(attempts).toBe(1);
  });

  it('a model skl2onnx/onnxruntime cannot represent fails fast as a conversion error', async () => {
    const { failure, attempts } = await failingPass(
      pipelineOn('iris', { estimator: 'gradient_boosting', params: { init: 'zero', n_estimators: 5 } }),
    );
    failFast(failure, 'conversion_error');
    expect(attempts).toBe(1);
  });

  it('a converted model that disagrees with scikit-learn fails fast as a parity error naming the rows', async () => {
    const { failure, attempts } = await failingPass(
      pipelineOn('diabetes', { estimator: 'hist_gradient_boosting', params: { loss: 'poisson', max_iter: 10 } }),
    );
    failFast(failure, 'parity_error');
    expect(failure.message).toMatch(/row/);
    expect(attempts).toBe(1);
  });

  it('a trainer killed mid-run (as by the OOM killer) is retried and the pass completes', async () => {
    const { steady } = await exampleProject({
      trainer: {
        estimator: 'gradient_boosting',
        params: { n_estimators: 4000, max_depth: 1 },
        retry: { maximumAttempts: 3, initialIntervalSeconds: 1, backoffCoefficient: 1, maximumIntervalSeconds: 1 },
      },
    });
    const handle = await startPass(h.client, steady, { taskQueue: h.taskQueue });
    let killed: number | undefined;
    const deadline = Date.now() + 60_000;
    while (killed === undefined && Date.now() < deadline) {
      for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
        if (cmdline.includes('driftloop_trainer') && cmdline.includes(h.home)) {
          process.kill(Number(entry), 'SIGKILL');
          killed = Number(entry);
          break;
        }
      }
      if (killed === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(killed).toBeDefined();
    const summary = await waitForPass(handle);
    expect(summary.decision).toBe('bootstrapped');
    const history = await handle.fetchHistory();
    const retrainAttempts = history.events!
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => Number(e.activityTaskStartedEventAttributes!.attempt));
    expect(Math.max(...retrainAttempts)).toBe(2);
  });
});
