import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ScheduleInfo } from '../../client/schedules.js';
import type { BatchScoreResult } from '../../workflows/batch-score.js';
import { driftloop } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { batchFixture, registerChampion, writeBatchConfig, type BatchFixture } from './support.js';

let h: Harness;
let fx: BatchFixture;
let env: Record<string, string>;
beforeAll(async () => {
  [h, fx] = await Promise.all([startHarness(), batchFixture()]);
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace'), DRIFTLOOP_TASK_QUEUE: h.taskQueue };
});
afterAll(async () => {
  await h?.stop();
});

function oneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
}

describe('driftloop batch', () => {
  it('runs a batch by hand and, with --wait --json, prints its row counts, chunk timings and outputs', async () => {
    const m = await registerChampion(h.registry, fx);
    const file = await writeBatchConfig(fx.dir, { model: m.model, input: { kind: 'file', path: 'current-drifted.csv' }, output: { path: 'cli-out' }, chunkRows: 1000 }, 'cli.yaml');
    const r = await driftloop(['batch', file, '--wait', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as BatchScoreResult;
    expect(result).toMatchObject({ model: m.model, version: m.version, rows: 1500, totalRows: 1500 });
    expect(result.chunks.map((c) => [c.firstRow, c.rows])).toEqual([[1, 1000], [1001, 500]]);

    const text = await driftloop(['batch', file, '--wait'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^1500 of 1500 rows scored with ${m.model} v${m.version} in 2 chunk\\(s\\)`));
    expect(text.stdout).toMatch(/part-00001\.csv {2}500 rows from .*current-drifted\.csv \(rows 1001-1500\)/);

    const started = await driftloop(['batch', file, '--json'], env);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ workflowId: `batch-${m.model}`, runId: expect.any(String) });
  });

  it('refuses bad configs with one line naming the file and the field', async () => {
    const base = { model: 'churn', input: { kind: 'file', path: 'x.csv' }, output: { path: 'out' } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, alias: 'champion', version: 2 }, /bad-1\.yaml is not a valid batch config: version: give alias or version, not both/],
      [{ ...base, input: { kind: 'postgres', query: 'select 1' } }, /bad-2\.yaml is not a valid batch config: input\.orderBy: /],
      [{ ...base, input: { kind: 's3', path: 'x' } }, /bad-3\.yaml is not a valid batch config: input\.kind: /],
      [{ ...base, chunkRows: 0 }, /bad-4\.yaml is not a valid batch config: chunkRows: /],
      [{ ...base, output: { path: 'out', format: 'json' } }, /bad-5\.yaml is not a valid batch config: output\.format: /],
      [{ ...base, input: { kind: 'postgres', query: 'select 1', orderBy: 'id', urlEnv: 'postgres://u:p@h/db' } }, /bad-6\.yaml is not a valid batch config: input\.urlEnv: must be an environment variable name/],
      [{ ...base, model: 'Bad Name' }, /bad-7\.yaml is not a valid batch config: model: /],
    ];
    for (const [i, [cfg, pattern]] of cases.entries()) {
      const file = await writeBatchConfig(fx.dir, cfg, `bad-${i + 1}.yaml`);
      oneLineError(await driftloop(['batch', file], env), pattern);
    }
    oneLineError(await driftloop(['batch', `${fx.dir}/missing.yaml`], env), /cannot read batch config .*missing\.yaml/);
  });

  it('fails a run whose PostgreSQL URL variable is not set, naming input.urlEnv', async () => {
    const m = await registerChampion(h.registry, fx);
    const file = await writeBatchConfig(
      fx.dir,
      { model: m.model, input: { kind: 'postgres', query: 'select 1 as id', orderBy: 'id', urlEnv: 'BATCH_TEST_UNSET_URL' }, output: { path: 'out-unset' } },
      'unset.yaml',
    );
    delete process.env.BATCH_TEST_UNSET_URL;
    const r = await driftloop(['batch', file, '--wait'], env);
    // With --wait, stderr says what was started, then the one-line error.
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^started batch-${m.model} \\(run `));
    oneLineError({ code: r.code, stderr: lines.slice(1).join('\n') }, new RegExp(`batch batch-${m.model} failed: input.urlEnv: .*BATCH_TEST_UNSET_URL, which is not set`));
  });
});

describe('driftloop schedule create --batch', () => {
  it('creates a schedule whose action is a batchScore run of the config; a trigger runs it', async () => {
    const m = await registerChampion(h.registry, fx);
    const file = await writeBatchConfig(fx.dir, { model: m.model, input: { kind: 'file', path: 'current-drifted.csv' }, output: { path: 'sched-out' }, chunkRows: 1000 }, 'sched.yaml');
    const name = `${m.model}-nightly`;
    const created = await driftloop(['schedule', 'create', name, '--batch', file, '--cron', '0 3 * * *'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`created schedule ${name} \\(driftloop-${name}\\): batch ${m.model} cron 0 3 \\* \\* \\*, next run 20`));
    try {
      const d = await h.client.schedule.getHandle(`driftloop-${name}`).describe();
      expect(d.action.type).toBe('startWorkflow');
      if (d.action.type !== 'startWorkflow') return;
      expect(d.action.workflowType).toBe('batchScore');
      expect(d.action.taskQueue).toBe(h.taskQueue);
      expect((d.action.args as [{ batch: { model: string } }])[0].batch.model).toBe(m.model);
      expect(d.policies.overlap).toBe('SKIP');

      const listed = await driftloop(['schedule', 'list', '--json'], env);
      const mine = (JSON.parse(listed.stdout) as ScheduleInfo[]).find((s) => s.name === name);
      expect(mine).toMatchObject({ kind: 'batch', model: m.model, config: file });

      const triggered = await driftloop(['schedule', 'trigger', name], env);
      expect(triggered.code).toBe(0);
      const id = /started (\S+) \(run (\S+)\)/.exec(triggered.stdout);
      expect(id).not.toBeNull();
      const result = (await h.client.workflow.getHandle(id![1]!).result()) as BatchScoreResult;
      expect(result).toMatchObject({ model: m.model, version: m.version, rows: 1500 });
    } finally {
      await driftloop(['schedule', 'delete', name], env);
    }
  });

  it('needs exactly one of --retrain and --batch', async () => {
    const file = await writeBatchConfig(fx.dir, { model: 'churn', input: { kind: 'file', path: 'x.csv' }, output: { path: 'out' } }, 'either.yaml');
    oneLineError(await driftloop(['schedule', 'create', 'both', '--batch', file, '--retrain', file, '--every', '1h'], env), /give exactly one of --retrain CONFIG or --batch CONFIG/);
    oneLineError(await driftloop(['schedule', 'create', 'neither', '--every', '1h'], env), /give exactly one of --retrain CONFIG or --batch CONFIG/);
    oneLineError(await driftloop(['schedule', 'create', 'bad', '--batch', `${fx.dir}/bad-1.yaml`, '--every', '1h'], env), /bad-1\.yaml is not a valid batch config: version: give alias or version, not both/);
  });
});
