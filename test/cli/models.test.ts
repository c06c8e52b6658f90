import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driftloop } from '../support/cli.js';
import { parseModelName, parseModelRef } from '../../registry/model-ref.js';
import { ConfigError } from '../../errors/index.js';
import { sha256 } from '../../registry/blob-store.js';
import { openRegistry } from '../../registry/open.js';
import { postgresUrl, withClient } from '../registry/postgres-support.js';
import { bytes, card, data } from '../registry/registry-suite.js';



/** A one-line error and exit code 1. */
function expectOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^driftloop: error: /);
  expect(r.stderr).toMatch(pattern);
}

const actor = `cli:${userInfo().username}`;

/** churn v1..v3 (v1 champion), fraud v1 (no champion), through the API, in the registry `env` selects. */
async function populate(env: Record<string, string>) {
  const reg = await openRegistry(env);
  try {
    for (let i = 1; i <= 3; i++) await reg.registerVersion({ model: 'churn', onnx: bytes(`churn-v${i}`), card: card([0.71, 0.72, 0.73][i - 1]), trainingData: data, runId: `run-${i}` });
    await reg.registerVersion({ model: 'fraud', onnx: bytes('fraud-v1'), card: card(), trainingData: data });
    await reg.promote({ model: 'churn', to: 1, expectedChampion: null, actor: 'retrainPipeline', runId: 'run-1', reason: 'bootstrap' });
  } finally {
    await reg.close();
  }
}

async function inRegistry<T>(env: Record<string, string>, fn: (reg: Awaited<ReturnType<typeof openRegistry>>) => Promise<T>): Promise<T> {
  const reg = await openRegistry(env);
  try {
    return await fn(reg);
  } finally {
    await reg.close();
  }
}

describe('model references', () => {
  it('parses NAME, NAME@alias and NAME:version', () => {
    expect(parseModelRef('churn')).toEqual({ model: 'churn', alias: 'champion' });
    expect(parseModelRef('churn@previous')).toEqual({ model: 'churn', alias: 'previous' });
    expect(parseModelRef('churn.eu_v2-x@shadow_1')).toEqual({ model: 'churn.eu_v2-x', alias: 'shadow_1' });
    expect(parseModelRef('churn:12')).toEqual({ model: 'churn', version: 12 });
    expect(parseModelName('churn')).toBe('churn');
  });

  it('rejects malformed references with a ConfigError saying what is wrong', () => {
    for (const [text, why] of [
      ['churn@', /an alias is 1-32/],
      ['churn@Champion', /an alias is 1-32/],
      ['churn:', /positive integer/],
      ['churn:0', /positive integer/],
      ['churn:1.5', /positive integer/],
      ['churn:-1', /positive integer/],
      ['churn@a:1', /at most one/],
      ['churn@a@b', /at most one/],
      ['@champion', /the model name must be/],
      ['Churn', /the model name must be/],
      ['../etc', /the model name must be/],
    ] as const) {
      expect(() => parseModelRef(text), text).toThrow(ConfigError);
      expect(() => parseModelRef(text), text).toThrow(why);
    }
    expect(() => parseModelName('churn:1')).toThrow(/invalid model name "churn:1"/);
  });
});

describe('driftloop models (SQLite under DRIFTLOOP_HOME)', () => {
  let home: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'driftloop-models-'));
    // DRIFTLOOP_DATABASE_URL empty: SQLite, whatever the caller's environment says.
    env = { DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: '' };
    await populate(env);
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('list shows every model with its version count, champion and last change', async () => {
    const json = await driftloop(['models', 'list', '--json'], env);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const models = JSON.parse(json.stdout);
    expect(models.map((m: { model: string; versions: number; champion: number | null }) => [m.model, m.versions, m.champion])).toEqual([
      ['churn', 3, 1],
      ['fraud', 1, null],
    ]);
    const history = await inRegistry(env, (reg) => reg.aliasHistory('churn', 'champion'));
    expect(models[0].updatedAt).toBe(history[0]!.movedAt);

    const text = await driftloop(['models', 'list'], env);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^MODEL\s+VERSIONS\s+CHAMPION\s+UPDATED$/);
    expect(text.stdout).toMatch(/^churn\s+3\s+v1\s+\d{4}-/m);
    expect(text.stdout).toMatch(/^fraud\s+1\s+-\s+\d{4}-/m);
  });

  it('promote moves the champion by compare-and-swap, keeps the old one as previous and audits it as cli:<user>; a repeat changes nothing', async () => {
    const r = await driftloop(['models', 'promote', 'churn', '2', '--reason', 'better recall'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('churn: champion v1 → v2; previous → v1');
    await inRegistry(env, async (reg) => {
      expect((await reg.resolveAlias('churn', 'champion'))?.version).toBe(2);
      expect((await reg.resolveAlias('churn', 'previous'))?.version).toBe(1);
      const moves = (await reg.aliasHistory('churn')).slice(1);
      expect(moves.map((m) => [m.alias, m.fromVersion, m.toVersion, m.actor, m.reason, m.runId])).toEqual([
        ['champion', 1, 2, actor, 'better recall', null],
        ['previous', null, 1, actor, 'better recall', null],
      ]);
    });
    const again = await driftloop(['models', 'promote', 'churn', '2'], env);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('churn: version 2 is already the champion; nothing changed');
    expect(await inRegistry(env, (reg) => reg.aliasHistory('churn'))).toHaveLength(3);

    const first = await driftloop(['models', 'promote', 'fraud', '1'], env);
    expect(first.stdout.trim()).toBe('fraud: champion (none) → v1');
  });

  it('show prints a version with its metrics, features, aliases and the champion history', async () => {
    await driftloop(['models', 'promote', 'churn', '2', '--reason', 'better'], env);
    const champion = await driftloop(['models', 'show', 'churn', '--json'], env);
    expect(champion.stderr).toBe('');
    expect(champion.code).toBe(0);
    const shown = JSON.parse(champion.stdout);
    expect(shown).toMatchObject({
      model: 'churn',
      version: 2,
      sha256: sha256(bytes('churn-v2')),
      runId: 'run-2',
      metrics: { accuracy: 0.72 },
      features: [{ name: 'a', kind: 'numeric' }],
      aliases: ['champion'],
    });
    expect(shown.championHistory.map((h: { fromVersion: number | null; toVersion: number; actor: string }) => [h.fromVersion, h.toVersion, h.actor])).toEqual([
      [null, 1, 'retrainPipeline'],
      [1, 2, actor],
    ]);
    const byVersion = JSON.parse((await driftloop(['models', 'show', 'churn:1', '--json'], env)).stdout);
    expect([byVersion.version, byVersion.aliases]).toEqual([1, ['previous']]);
    const byAlias = JSON.parse((await driftloop(['models', 'show', 'churn@previous', '--json'], env)).stdout);
    expect(byAlias.version).toBe(1);

    const text = await driftloop(['models', 'show', 'churn:2'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^churn version 2 {2}\(champion\)$/m);
    expect(text.stdout).toContain(sha256(bytes('churn-v2')));
    expect(text.stdout).toMatch(/metrics\s+accuracy 0\.7200/);
    expect(text.stdout).toMatch(/features\s+a \(numeric\)/);
    expect(text.stdout).toMatch(/champion history of churn:\n.*\(none\) → v1 {2}by retrainPipeline \(run run-1\): bootstrap\n.*v1 → v2 {2}by cli:.*: better/);
  });

  it('rollback swaps champion and previous, audited; without a previous it is a one-line error', async () => {
    await driftloop(['models', 'promote', 'churn', '3'], env);
    const r = await driftloop(['models', 'rollback', 'churn', '--reason', 'v3 misbehaves'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('churn: champion v3 → v1; previous → v3');
    await inRegistry(env, async (reg) => {
      expect((await reg.resolveAlias('churn', 'champion'))?.version).toBe(1);
      expect((await reg.resolveAlias('churn', 'previous'))?.version).toBe(3);
      const last = (await reg.aliasHistory('churn')).slice(-2);
      expect(last.map((m) => [m.alias, m.fromVersion, m.toVersion, m.actor, m.reason])).toEqual([
        ['champion', 3, 1, actor, 'v3 misbehaves'],
        ['previous', 1, 3, actor, 'v3 misbehaves'],
      ]);
    });
    expectOneLineError(await driftloop(['models', 'rollback', 'fraud'], env), /model "fraud" has no "previous" alias: there is nothing to roll back to/);
  });

  it('export writes the verified ONNX bytes and FILE.metadata.json; it refuses to overwrite without --force', async () => {
    const out = join(home, 'exported.onnx');
    const r = await driftloop(['models', 'export', 'churn:2', out], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(new Uint8Array(await readFile(out))).toEqual(bytes('churn-v2'));
    const meta = JSON.parse(await readFile(`${out}.metadata.json`, 'utf8'));
    expect(meta).toMatchObject({ model: 'churn', version: 2, sha256: sha256(bytes('churn-v2')), runId: 'run-2', aliases: [] });
    expect(meta.card).toEqual(card(0.72));

    expectOneLineError(await driftloop(['models', 'export', 'churn', out], env), /exported\.onnx exists; pass --force to overwrite it/);
    const forced = await driftloop(['models', 'export', 'churn', out, '--force'], env);
    expect(forced.code).toBe(0);
    expect(new Uint8Array(await readFile(out))).toEqual(bytes('churn-v1'));
    expect(JSON.parse(await readFile(`${out}.metadata.json`, 'utf8')).aliases).toEqual(['champion']);
  });

  it('export refuses a corrupted blob and writes nothing', async () => {
    await writeFile(join(home, 'blobs', 'sha256', sha256(bytes('churn-v3'))), 'tampered');
    const out = join(home, 'bad.onnx');
    expectOneLineError(await driftloop(['models', 'export', 'churn:3', out], env), /is corrupt/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.metadata.json`)).toBe(false);
  });

  it('errors are one line with exit code 1', async () => {
    expectOneLineError(await driftloop(['models', 'show', 'churn:9'], env), /model "churn" has no version 9/);
    expectOneLineError(await driftloop(['models', 'show', 'nope'], env), /there is no model "nope" in the registry/);
    expectOneLineError(await driftloop(['models', 'show', 'fraud'], env), /model "fraud" has no "champion" alias/);
    expectOneLineError(await driftloop(['models', 'show', 'churn@@x'], env), /invalid model reference "churn@@x"/);
    expectOneLineError(await driftloop(['models', 'promote', 'churn', '0'], env), /invalid version "0"/);
    expectOneLineError(await driftloop(['models', 'promote', 'churn', '7'], env), /model "churn" has no version 7/);
    expectOneLineError(await driftloop(['models', 'promote', 'nope', '1'], env), /there is no model "nope" in the registry/);
    expectOneLineError(
      await driftloop(['models', 'list'], { ...env, DRIFTLOOP_DATABASE_URL: 'mysql://u:secret@h/db' }),
      /DRIFTLOOP_DATABASE_URL must be a PostgreSQL URL/,
    );
  });
});

describe('driftloop models (PostgreSQL from DRIFTLOOP_DATABASE_URL)', () => {
  it('lists, promotes and rolls back in the database the URL names, blobs under DRIFTLOOP_HOME', async () => {
    const base = postgresUrl();
    const database = `cli_${randomUUID().replaceAll('-', '')}`;
    const home = await mkdtemp(join(tmpdir(), 'driftloop-models-pg-'));
    await withClient((c) => c.query(`create database ${database}`));
    try {
      const url = new URL(base);
      url.pathname = `/${database}`;
      const env = { DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: url.toString() };
      await populate(env);
      const list = await driftloop(['models', 'list', '--json'], env);
      expect(list.stderr).toBe('');
      expect(JSON.parse(list.stdout).map((m: { model: string; versions: number }) => [m.model, m.versions])).toEqual([
        ['churn', 3],
        ['fraud', 1],
      ]);
      expect((await driftloop(['models', 'promote', 'churn', '2'], env)).stdout.trim()).toBe('churn: champion v1 → v2; previous → v1');
      expect((await driftloop(['models', 'rollback', 'churn'], env)).stdout.trim()).toBe('churn: champion v2 → v1; previous → v2');
      const rows = await withClient((c) => c.query('select alias, version from aliases order by alias'), url.toString());
      expect(rows.rows).toEqual([
        { alias: 'champion', version: 1 },
        { alias: 'previous', version: 2 },
      ]);
      // No SQLite file: the rows are in PostgreSQL, only the blobs under DRIFTLOOP_HOME.
      expect(existsSync(join(home, 'registry.sqlite'))).toBe(false);
      expect(existsSync(join(home, 'blobs', 'sha256', sha256(bytes('churn-v2'))))).toBe(true);
      const out = join(home, 'champion.onnx');
      expect((await driftloop(['models', 'export', 'churn', out], env)).code).toBe(0);
      expect(new Uint8Array(await readFile(out))).toEqual(bytes('churn-v1'));
    } finally {
      await withClient((c) => c.query(`drop database if exists ${database} with (force)`));
      await rm(home, { recursive: true, force: true });
    }
  });
});
