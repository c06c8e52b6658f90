import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors/index.js';
import { appliedMigrations, runMigrations } from '../../registry/migrate.js';
import { openRegistry } from '../../registry/open.js';
import { migrationsFor } from '../../registry/schema.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { sqliteTransactions } from '../../registry/transactions.js';
import { describeCanaries } from './canary-suite.js';
import { bytes, card, data, describeRegistry, type RegistryStore } from './registry-suite.js';

async function fresh(): Promise<RegistryStore> {
  const home = await mkdtemp(join(tmpdir(), 'driftloop-reg-'));
  const opened: SqlRegistry[] = [];
  return {
    home,
    async open() {
      const reg = await openSqliteRegistry(home);
      opened.push(reg);
      return reg;
    },
    async cleanup() {
      for (const reg of opened) await reg.close().catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}

describeRegistry('SQLite', fresh);
describeCanaries('SQLite', fresh);

describe('SQLite backend', () => {
  it('upgrades a database the released driftloop created (Kysely Migrator, 0001 only), keeping its rows', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-reg-'));
    try {
      const file = join(home, 'registry.sqlite');
      const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) });
      const first = migrationsFor('sqlite')['0001_versions_and_aliases']!;
      const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => ({ '0001_versions_and_aliases': first }) } }).migrateToLatest();
      expect(error).toBeUndefined();
      await old
        .insertInto('model_versions')
        .values({ model: 'm', version: 1, sha256: 'f'.repeat(64), training_data_sha256: 'e'.repeat(64), card: JSON.stringify(card()), created_at: '2025-01-01T00:00:00.000Z', run_id: null })
        .execute();
      await old.destroy();

      const reg = await openSqliteRegistry(home);
      try {
        expect((await reg.getVersion('m', 1)).createdAt).toBe('2025-01-01T00:00:00.000Z');
        await reg.logPredictions([{ requestId: 'r', model: 'm', version: 1, at: '2025-01-01T00:00:00Z', features: {}, prediction: 1 }]);
        expect(await reg.readPredictions('m')).toHaveLength(1);
        const check = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) });
        expect(await appliedMigrations(check)).toEqual(['0001_versions_and_aliases', '0002_prediction_log', '0003_monitoring', '0004_canary_and_latency']);
        await check.destroy();
      } finally {
        await reg.close();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('upgrades a 0002 database (prediction log without probabilities): old rows read back with null probabilities, new rows keep theirs', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-reg-'));
    try {
      const file = join(home, 'registry.sqlite');
      const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) });
      const { '0003_monitoring': _, '0004_canary_and_latency': _later, ...released } = migrationsFor('sqlite');
      await runMigrations(old, sqliteTransactions(file), released);
      await old
        .insertInto('predictions')
        .values({ model: 'm', request_id: 'old', version: 1, at: '2025-01-01T00:00:00.000Z', features: '{}', prediction: '"a"', label: '"a"', labelled_at: null })
        .execute();
      await old.destroy();

      const reg = await openSqliteRegistry(home);
      try {
        await reg.logPredictions([{ requestId: 'new', model: 'm', version: 1, at: '2025-01-02T00:00:00Z', features: {}, prediction: 'b', probabilities: { a: 0.4, b: 0.6 }, latencyMs: 3 }]);
        expect((await reg.readPredictions('m')).map((r) => [r.requestId, r.label, r.probabilities, r.latencyMs])).toEqual([
          ['old', 'a', null, null],
          ['new', null, { a: 0.4, b: 0.6 }, 3],
        ]);
      } finally {
        await reg.close();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('openRegistry opens SQLite under DRIFTLOOP_HOME when DRIFTLOOP_DATABASE_URL is unset, and refuses a URL that is not PostgreSQL', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-reg-'));
    try {
      const reg = await openRegistry({ DRIFTLOOP_HOME: home });
      expect(reg.dialect).toBe('sqlite');
      await reg.close();
      expect(existsSync(join(home, 'registry.sqlite'))).toBe(true);
      await expect(openRegistry({ DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: 'mysql://u:secret@h/db' })).rejects.toBeInstanceOf(ConfigError);
      await expect(openRegistry({ DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: 'mysql://u:secret@h/db' })).rejects.toThrow(
        /DRIFTLOOP_DATABASE_URL must be a PostgreSQL URL .*not mysql:\/\/u:\*\*\*@h\/db/,
      );
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  describe('several processes on one fresh file', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const build = join(root, 'node_modules', '.cache', 'driftloop-registry-test');
    beforeAll(async () => {
      // The child processes run this checkout's registry, compiled afresh (not dist/, which may be stale).
      await mkdir(build, { recursive: true });
      await writeFile(
        join(build, 'tsconfig.json'),
        JSON.stringify({
          extends: '../../../tsconfig.json',
          compilerOptions: { outDir: './out', rootDir: '../../..', sourceMap: false, incremental: false, noEmit: false },
          include: [],
          files: ['../../../registry/index.ts'],
        }),
      );
      await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(build, 'tsconfig.json')], {
        cwd: root,
      });
    });

    it('migrate once, register the same bytes once, number distinct bytes consecutively and let exactly one CAS win', async () => {
      const home = await mkdtemp(join(tmpdir(), 'driftloop-reg-'));
      try {
        const script = join(home, 'child.mjs');
        const registry = pathToFileURL(join(build, 'out', 'registry', 'index.js')).href;
        await writeFile(
          script,
          `import { openSqliteRegistry } from ${JSON.stringify(registry)};
const [home, name] = process.argv.slice(2);
const card = JSON.parse(process.env.CARD), data = new TextEncoder().encode(process.env.DATA);
const b = (s) => new TextEncoder().encode(s);
process.stdout.write('ready\\n');
await new Promise((go) => process.stdin.once('data', go));
const reg = await openSqliteRegistry(home);
const same = await reg.registerVersion({ model: 'm', onnx: b('same'), card, trainingData: data });
const own = await reg.registerVersion({ model: 'm', onnx: b('own-' + name), card, trainingData: data });
let moved;
try { moved = (await reg.moveAlias({ model: 'm', alias: 'champion', to: own.version.version, expected: null, actor: name, reason: 'race' })).moved; }
catch (err) { moved = err.code; }
await reg.close();
process.stdout.write(JSON.stringify({ same: same.version.version, created: same.created, own: own.version.version, moved }) + '\\n');
process.stdin.destroy();
`,
        );
        const env = { ...process.env, CARD: JSON.stringify(card()), DATA: new TextDecoder().decode(data) };
        const children = ['a', 'b', 'c', 'd'].map((name) => spawn(process.execPath, [script, home, name], { env, stdio: ['pipe', 'pipe', 'pipe'] }));
        const outputs = children.map(
          (child) =>
            new Promise<string>((resolve, reject) => {
              let out = '';
              let err = '';
              child.stdout.on('data', (d) => (out += d));
              child.stderr.on('data', (d) => (err += d));
              child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))));
            }),
        );
        // Start all four together: each waits for "go" after loading its modules.
        await Promise.all(children.map((c) => new Promise<void>((ready) => c.stdout.once('data', () => ready()))));
        for (const c of children) c.stdin.write('go\n');
        const results = (await Promise.all(outputs)).map((o) => JSON.parse(o.trim().split('\n').at(-1)!));
        expect(results.map((r) => r.same)).toEqual([1, 1, 1, 1]);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(results.map((r) => r.own).sort()).toEqual([2, 3, 4, 5]);
        expect(results.map((r) => r.moved).sort()).toEqual(['ALIAS_CONFLICT', 'ALIAS_CONFLICT', 'ALIAS_CONFLICT', true]);

        const reg = await openSqliteRegistry(home);
        try {
          expect((await reg.listVersions('m')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
          expect(await reg.aliasHistory('m', 'champion')).toHaveLength(1);
          expect(await reg.migrate()).toEqual([]);
        } finally {
          await reg.close();
        }
        const check = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(join(home, 'registry.sqlite')) }) });
        expect(await appliedMigrations(check)).toEqual(['0001_versions_and_aliases', '0002_prediction_log', '0003_monitoring', '0004_canary_and_latency']);
        await check.destroy();
        void bytes;
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    });
  });
});
