import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type RetrainResult } from '../../activities/index.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { exampleProject } from '../support/example.js';

let home: string;
let registry: SqlRegistry;
let activities: ReturnType<typeof createActivities>;
let trained: RetrainResult;
let model: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-promote-'));
  registry = await openSqliteRegistry(home);
  activities = createActivities({ registry, home });
  const project = await exampleProject();
  model = project.model;
  // The real retrain activity (real trainer), run in Temporal's activity test environment.
  trained = await new MockActivityEnvironment().run(activities.retrain, { pipeline: project.steady, source: 'reference' as const });
});
afterAll(async () => {
  await registry.close();
  await rm(home, { recursive: true, force: true });
});

describe('promote activity', () => {
  it('run twice with the same input leaves exactly one version and one alias move', async () => {
    const input = {
      model,
      candidateDir: trained.candidateDir,
      trainingData: trained.trainingData,
      promote: true,
      expectedChampion: null,
      runId: 'run-1',
      reason: 'test',
    };
    const first = await activities.promote(input);
    const second = await activities.promote(input);
    expect(first).toMatchObject({ version: 1, registered: true, promoted: true });
    expect(second).toMatchObject({ version: 1, registered: false, promoted: true });
    expect(await registry.listVersions(model)).toHaveLength(1);
    expect(await registry.aliasHistory(model, 'champion')).toHaveLength(1);
    expect((await registry.resolveAlias(model, 'champion'))?.sha256).toBe(trained.modelSha256);
  });

  it('a retried retrain reuses the finished output instead of training again', async () => {
    const project = await exampleProject();
    const env = new MockActivityEnvironment();
    const a = (await env.run(activities.retrain, { pipeline: { ...project.steady, model }, source: 'reference' as const })) as RetrainResult;
    const b = (await env.run(activities.retrain, { pipeline: { ...project.steady, model }, source: 'reference' as const })) as RetrainResult;
    expect(b.trained).toBe(false);
    expect(b.candidateDir).toBe(a.candidateDir);
    expect(b.modelSha256).toBe(a.modelSha256);
  });

  it('refuses to move the champion when it no longer points at the version the decision was made against', async () => {
    const other = await registry.registerVersion({
      model,
      onnx: new TextEncoder().encode('other model bytes'),
      card: (await registry.getVersion(model, 1)).card,
      trainingData: await readFile(trained.trainingData),
    });
    await expect(
      registry.moveAlias({ model, alias: 'champion', to: other.version.version, expected: 5, actor: 'test', reason: 'test' }),
    ).rejects.toThrow(/points at version 1, not at version 5/);
    expect((await registry.resolveAlias(model, 'champion'))?.version).toBe(1);
    expect(await registry.aliasHistory(model, 'champion')).toHaveLength(1);
  });
});
