import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors/index.js';
import { openRegistry } from '../../registry/open.js';
import { openPostgresRegistry } from '../../registry/postgres.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { postgresUrl, withClient } from './postgres-support.js';
import { describeCanaries } from './canary-suite.js';
import { bytes, card, data, describeRegistry, type RegistryStore } from './registry-suite.js';

/** Each test gets its own schema in the test database. */
async function fresh(): Promise<RegistryStore & { schema: string }> {
  const url = postgresUrl();
  const schema = `t_${randomUUID().replaceAll('-', '')}`;
  const home = await mkdtemp(join(tmpdir(), 'driftloop-reg-pg-'));
  const opened: SqlRegistry[] = [];
  return {
    home,
    schema,
    async open() {
      const reg = await openPostgresRegistry(url, home, { schema, poolSize: 4 });
      opened.push(reg);
      return reg;
    },
    async cleanup() {
      for (const reg of opened) await reg.close().catch(() => undefined);
      await withClient((c) => c.query(`drop schema if exists ${schema} cascade`));
      await rm(home, { recursive: true, force: true });
    },
  };
}

describeRegistry('PostgreSQL', fresh);
describeCanaries('PostgreSQL', fresh);

describe('PostgreSQL backend', () => {
  it('keeps its tables in the schema it was given, with an identity column for the audit log', async () => {
    const store = await fresh();
    try {
      const reg = await store.open();
      expect(reg.dialect).toBe('postgres');
      const tables = await withClient((c) =>
        c.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = $1 order by table_name`, [store.schema]),
      );
      expect(tables.rows.map((t) => t.table_name)).toEqual(['alias_events', 'aliases', 'canaries', 'drift_reports', 'kysely_migration', 'metric_windows', 'model_versions', 'predictions']);
      const id = await withClient((c) =>
        c.query<{ is_identity: string; identity_generation: string }>(
          `select is_identity, identity_generation from information_schema.columns where table_schema = $1 and table_name = 'alias_events' and column_name = 'id'`,
          [store.schema],
        ),
      );
      expect(id.rows).toEqual([{ is_identity: 'YES', identity_generation: 'ALWAYS' }]);
    } finally {
      await store.cleanup();
    }
  });

  it('openRegistry selects PostgreSQL when DRIFTLOOP_DATABASE_URL is set (a schema may be chosen in the URL), blobs under DRIFTLOOP_HOME', async () => {
    const schema = `t_${randomUUID().replaceAll('-', '')}`;
    const home = await mkdtemp(join(tmpdir(), 'driftloop-reg-pg-'));
    await withClient((c) => c.query(`create schema ${schema}`));
    try {
      const url = `${postgresUrl()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const reg = await openRegistry({ DRIFTLOOP_DATABASE_URL: url, DRIFTLOOP_HOME: home });
      try {
        expect(reg.dialect).toBe('postgres');
        const { version } = await reg.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
        expect(new Uint8Array(await reg.readModel(version))).toEqual(bytes('one'));
        const rows = await withClient((c) => c.query(`select version from ${schema}.model_versions`));
        expect(rows.rows).toEqual([{ version: 1 }]);
      } finally {
        await reg.close();
      }
    } finally {
      await withClient((c) => c.query(`drop schema ${schema} cascade`));
      await rm(home, { recursive: true, force: true });
    }
  });

  it('an unreachable server is one clear error, without the password', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-reg-pg-'));
    try {
      const open = openPostgresRegistry('postgres://u:secret@127.0.0.1:1/db', home);
      await expect(open).rejects.toBeInstanceOf(ConfigError);
      await expect(openPostgresRegistry('postgres://u:secret@127.0.0.1:1/db', home)).rejects.toThrow(
        /^cannot open the PostgreSQL registry at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: connect ECONNREFUSED 127\.0\.0\.1:1$/,
      );
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
