import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { readCsv, writeCsv } from '../../dataset/csv.js';
import { readHoldout } from '../../activities/shared.js';
import { OnnxModel } from '../../inference/onnx-model.js';
import { score } from '../../metrics/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { exampleProject } from '../support/example.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

async function pass(pipeline: PipelineConfig, force = false) {
  return waitForPass(await startPass(h.client, pipeline, { taskQueue: h.taskQueue, force }));
}

async function holdoutScore(pipeline: PipelineConfig, version: number): Promise<number> {
  const v = await h.registry.getVersion(pipeline.model, version);
  const model = await OnnxModel.load(await h.registry.readModel(v), v.card);
  try {
    const holdout = await readHoldout(pipeline);
    return score('accuracy', holdout.labels, await model.predict(holdout));
  } finally {
    await model.release();
  }
}

describe('retrainPipeline on a real Temporal server with the real trainer', () => {
  it('bootstraps the first version, then on data without drift decides no drift and keeps the champion', async () => {
    const { model, steady } = await exampleProject();

    const first = await pass(steady);
    expect(first.decision).toBe('bootstrapped');
    expect(first.bootstrap).toBe(true);
    expect(first.stages.drift.status).toBe('skipped');
    expect(first.stages.promote).toMatchObject({ status: 'done', result: { version: 1, promoted: true } });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);

    const second = await pass(steady);
    expect(second.decision).toBe('no-retrain');
    expect(second.stages.drift.status).toBe('done');
    if (second.stages.drift.status !== 'done') throw new Error('unreachable');
    expect(second.stages.drift.result.detected).toBe(false);
    // Every feature tested (numeric and categorical), none drifted, the full report stored.
    expect(second.stages.drift.result).toMatchObject({ testedColumns: 4, drifted: [], insufficient: [] });
    const stored = await h.registry.getDriftReport(second.stages.drift.result.reportId);
    expect(stored.report.columns.map((c: { name: string }) => c.name)).toEqual(['tenure_months', 'monthly_charges', 'support_calls', 'plan']);
    expect(second.stages.retrain).toMatchObject({ status: 'skipped' });
    expect(second.stages.monitor).toMatchObject({ status: 'done', result: { status: 'measured', belowThreshold: false } });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
    expect(await h.registry.listVersions(model)).toHaveLength(1);
  });

  it('on drifted data retrains, the candidate wins, the champion moves, and the new champion scores better on the holdout', async () => {
    const { model, steady, drifted } = await exampleProject();
    await pass(steady);

    const s = await pass(drifted);
    expect(s.decision).toBe('promoted');
    expect(s.retrainReasons).toContain('drift');
    if (s.stages.drift.status !== 'done' || s.stages.evaluate.status !== 'done') throw new Error('stages missing');
    expect(s.stages.drift.result.drifted).toContain('monthly_charges');
    expect(s.stages.drift.result.mustWatchDrifted).toEqual(['monthly_charges']);
    expect(s.stages.drift.result.top[0]).toMatchObject({ name: 'monthly_charges', method: 'wasserstein' });
    expect(s.stages.evaluate.result.won).toBe(true);
    expect(s.stages.promote).toMatchObject({ status: 'done', result: { version: 2, promoted: true, previousChampion: 1 } });

    const champion = await h.registry.resolveAlias(model, 'champion');
    expect(champion?.version).toBe(2);
    const history = await h.registry.aliasHistory(model, 'champion');
    expect(history.map((m) => [m.fromVersion, m.toVersion])).toEqual([[null, 1], [1, 2]]);

    // Scored independently of the pass: the promoted model really is better on rows it never saw.
    const before = await holdoutScore(drifted, 1);
    const after = await holdoutScore(drifted, 2);
    expect(after - before).toBeGreaterThan(0.03);
    expect(after).toBeCloseTo(s.stages.evaluate.result.candidate, 10);
  });

  it('with --force retrains without drift, and a candidate that does not beat the champion is not promoted', async () => {
    const { model, steady } = await exampleProject({ evaluation: { holdoutFraction: 0.3, margin: 0.2 } });
    await pass(steady);

    const s = await pass(steady, true);
    expect(s.retrainReasons).toEqual(['forced']);
    expect(s.stages.retrain).toMatchObject({ status: 'done', result: { trained: true } });
    expect(s.stages.evaluate).toMatchObject({ status: 'done', result: { won: false, margin: 0.2 } });
    expect(s.decision).toBe('kept-champion');
    expect(s.stages.promote).toMatchObject({ status: 'done', result: { promoted: false, version: 2 } });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
    expect(await h.registry.aliasHistory(model, 'champion')).toHaveLength(1);
  });

  it('fails fast with a non-retryable error naming the column when the training data lacks a feature, and touches no champion', async () => {
    const { model, steady, dir } = await exampleProject();
    const raw = await readCsv(steady.data.reference);
    const drop = raw.header.indexOf('support_calls');
    const broken = join(dir, 'reference-without-support-calls.csv');
    await writeCsv(broken, raw.header.filter((_, i) => i !== drop), raw.rows.map((r) => r.filter((_, i) => i !== drop)));
    const pipeline = { ...steady, data: { ...steady.data, reference: broken } };

    const handle = await startPass(h.client, pipeline, { taskQueue: h.taskQueue });
    const err = await handle.result().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (err as WorkflowFailedError).cause;
    const failure = activityFailure?.cause;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('TrainerError');
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toContain('support_calls');

    // One attempt only: retrying cannot make the column appear.
    const history = await handle.fetchHistory();
    const scheduled = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
    const retrainStarts = scheduled.filter((e) => Number(e.activityTaskStartedEventAttributes!.attempt) > 1);
    expect(retrainStarts).toHaveLength(0);
    expect(await h.registry.resolveAlias(model, 'champion')).toBeNull();
    expect(await h.registry.listVersions(model)).toHaveLength(0);
  });

  it('exposes the pass summary through the status query', async () => {
    const { steady } = await exampleProject();
    const handle = await startPass(h.client, steady, { taskQueue: h.taskQueue });
    await handle.result();
    const status = await handle.query('status');
    expect(status).toMatchObject({ decision: 'bootstrapped', stage: null, model: steady.model });
  });
});
