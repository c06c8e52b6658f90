import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry } from '../../registry/open.js';
import { driftloop } from '../support/cli.js';
import { bytes, card, data } from '../registry/registry-suite.js';

let home: string;
let env: Record<string, string>;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-rollback-'));
  env = { DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: '' };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const actor = `cli:${userInfo().username}`;

/** churn v1..v3 with v1 then v2 promoted (champion v2, previous v1); fraud v1 with no champion. */
async function populate(): Promise<void> {
  const reg = await openRegistry(env);
  try {
    for (let i = 1; i <= 3; i++) await reg.registerVersion({ model: 'churn', onnx: bytes(`churn-v${i}`), card: card(), trainingData: data });
    await reg.registerVersion({ model: 'fraud', onnx: bytes('fraud-v1'), card: card(), trainingData: data });
    await reg.promote({ model: 'churn', to: 1, expectedChampion: null, actor: 'retrainPipeline', reason: 'bootstrap' });
    await reg.promote({ model: 'churn', to: 2, expectedChampion: 1, actor: 'retrainPipeline', reason: 'better' });
  } finally {
    await reg.close();
  }
}

async function aliases(model: string): Promise<Record<string, number>> {
  const reg = await openRegistry(env);
  try {
    return Object.fromEntries((await reg.listAliases(model)).map((a) => [a.alias, a.version]));
  } finally {
    await reg.close();
  }
}

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^driftloop: error: /);
  expect(r.stderr).toMatch(pattern);
}

describe('driftloop rollback', () => {
  it('moves the champion back to previous, audited with the user and the reason; again swaps them back', async () => {
    await populate();
    const r = await driftloop(['rollback', 'churn', '--reason', 'bad live accuracy'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('churn: champion v2 → v1; previous → v2');
    expect(await aliases('churn')).toMatchObject({ champion: 1, previous: 2 });
    const reg = await openRegistry(env);
    try {
      const last = (await reg.aliasHistory('churn', 'champion')).at(-1)!;
      expect(last).toMatchObject({ fromVersion: 2, toVersion: 1, actor, reason: 'bad live accuracy', runId: null });
    } finally {
      await reg.close();
    }
    const json = await driftloop(['rollback', 'churn', '--json'], env);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ model: 'churn', rolledBack: true, champion: 2, previous: 1 });
    expect(out.moves.map((m: { alias: string; toVersion: number; reason: string }) => [m.alias, m.toVersion, m.reason])).toEqual([
      ['champion', 2, 'rolled back from the command line'],
      ['previous', 1, 'rolled back from the command line'],
    ]);
  });

  it('--to VERSION rolls back to an older version: it becomes champion and the demoted one previous; --to the champion changes nothing', async () => {
    await populate();
    const reg = await openRegistry(env);
    await reg.promote({ model: 'churn', to: 3, expectedChampion: 2, actor: 'retrainPipeline', reason: 'newer' });
    await reg.close();
    const r = await driftloop(['rollback', 'churn', '--to', '1', '--reason', 'v2 and v3 both bad'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('churn: champion v3 → v1; previous → v3');
    expect(await aliases('churn')).toMatchObject({ champion: 1, previous: 3 });
    const same = await driftloop(['rollback', 'churn', '--to', '1', '--json'], env);
    expect(JSON.parse(same.stdout)).toMatchObject({ rolledBack: false, champion: 1, moves: [] });
    expect((await driftloop(['rollback', 'churn', '--to', '1'], env)).stdout.trim()).toBe('churn: version 1 is already the champion; nothing changed');
  });

  it('clear one-line errors: no previous version, no champion, unknown model or version, bad --to', async () => {
    await populate();
    expectOneLineError(await driftloop(['rollback', 'fraud'], env), /model "fraud" has no "previous" alias: there is nothing to roll back to/);
    expectOneLineError(await driftloop(['rollback', 'fraud', '--to', '1'], env), /model "fraud" has no champion/);
    expectOneLineError(await driftloop(['rollback', 'nosuch'], env), /nosuch/);
    expectOneLineError(await driftloop(['rollback', 'churn', '--to', '9'], env), /model "churn" has no version 9/);
    expectOneLineError(await driftloop(['rollback', 'churn', '--to', 'two'], env), /invalid --to "two"/);
    expectOneLineError(await driftloop(['rollback', 'churn', '--reason', ' '], env), /--reason must not be empty/);
    // Nothing moved.
    expect(await aliases('churn')).toMatchObject({ champion: 2, previous: 1 });
  });
});
