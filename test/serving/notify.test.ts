import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExampleProject } from '../../demo/example.js';
import { openPostgresRegistry } from '../../registry/postgres.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { ANY_ALIAS, type AliasChange } from '../../registry/types.js';
import { bytes, card, data } from '../registry/registry-suite.js';
import { postgresUrl, withClient } from '../registry/postgres-support.js';
import { postJson, referenceRecords, startServer, train, type TrainedModel } from './support.js';

/** Alias moves on PostgreSQL are NOTIFYed in their transaction; a server on a PostgreSQL registry follows them at once. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 2000): Promise<number> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(5);
  }
  return Date.now() - t0;
}

/** The backends of this database LISTENing for alias moves (the watches' dedicated connections). */
async function listeners(): Promise<number[]> {
  return withClient(async (c) => {
    const res = await c.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and application_name = 'driftloop-listen' and pid <> pg_backend_pid()`,
    );
    return res.rows.map((r) => r.pid);
  });
}

interface PgStore {
  schema: string;
  home: string;
  registry: SqlRegistry;
  cleanup(): Promise<void>;
}

async function pgStore(): Promise<PgStore> {
  const schema = `t_${randomUUID().replaceAll('-', '')}`;
  const home = await mkdtemp(join(tmpdir(), 'driftloop-notify-'));
  const registry = await openPostgresRegistry(postgresUrl(), home, { schema, poolSize: 4 });
  return {
    schema,
    home,
    registry,
    async cleanup() {
      await registry.close().catch(() => undefined);
      await withClient((c) => c.query(`drop schema if exists ${schema} cascade`));
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A model name no other test (of any schema in this database) uses: notifications are database-wide. */
const uniqueModel = () => `w-${randomUUID().slice(0, 8)}`;

describe('registry alias watch', () => {
  it('is not available on SQLite', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-notify-'));
    try {
      const reg = await openSqliteRegistry(home);
      expect(reg.watchAliases).toBeUndefined();
      await reg.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: moveAlias, promote and rollback are heard when they commit, and only then', async () => {
    const store = await pgStore();
    const { registry } = store;
    const model = uniqueModel();
    const events: AliasChange[] = [];
    try {
      for (const v of ['a', 'b', 'c']) await registry.registerVersion({ model, onnx: bytes(v), card: card(), trainingData: data });
      const stop = await registry.watchAliases!((e) => {
        if (e.model === model || e.model === ANY_ALIAS) events.push(e);
      });
      try {
        await registry.moveAlias({ model, alias: 'champion', to: 1, expected: null, actor: 't', reason: 'first' });
        await until('the moveAlias notification', () => events.length === 1);
        expect(events).toEqual([{ model, alias: 'champion', version: 1 }]);

        // A promotion that fails half-way (the second move's audit row is refused) rolls back,
        // and with it the first move's notification.
        await withClient((c) =>
          c.query(`
            create function ${store.schema}.refuse_previous() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$;
            create trigger refuse_previous before insert on ${store.schema}.alias_events
              for each row when (new.alias = 'previous') execute function ${store.schema}.refuse_previous();
          `),
        );
        await expect(registry.promote({ model, to: 2, expectedChampion: 1, actor: 't', reason: 'fails' })).rejects.toThrow(/refused/);
        await withClient((c) => c.query(`drop trigger refuse_previous on ${store.schema}.alias_events`));
        expect((await registry.resolveAlias(model, 'champion'))?.version).toBe(1);

        await registry.promote({ model, to: 3, expectedChampion: 1, actor: 't', reason: 'promote' });
        await until('the promotion notifications', () => events.length === 3);
        await registry.rollback({ model, actor: 't', reason: 'rollback' });
        await until('the rollback notifications', () => events.length === 5);
        // Nothing from the rolled-back promotion (notifications arrive in commit order, so it would have come first).
        expect(events.slice(1)).toEqual([
          { model, alias: 'champion', version: 3 },
          { model, alias: 'previous', version: 1 },
          { model, alias: 'champion', version: 1 },
          { model, alias: 'previous', version: 3 },
        ]);
      } finally {
        await stop();
      }
      // Stopped: its connection is gone, and it hears nothing more.
      const heard = events.length;
      await registry.moveAlias({ model, alias: 'challenger', to: 2, expected: null, actor: 't', reason: 'after' });
      await sleep(100);
      expect(events.length).toBe(heard);
      expect(await listeners()).toEqual([]);
    } finally {
      await store.cleanup();
    }
  });

  it('PostgreSQL: a dropped connection is re-established with backoff, announced as "check everything", and moves are heard again', async () => {
    const store = await pgStore();
    const { registry } = store;
    const model = uniqueModel();
    const events: AliasChange[] = [];
    const errors: string[] = [];
    try {
      await registry.registerVersion({ model, onnx: bytes('a'), card: card(), trainingData: data });
      await registry.watchAliases!(
        (e) => {
          if (e.model === model || e.model === ANY_ALIAS) events.push(e);
        },
        { onError: (_err, context) => errors.push(context) },
      );
      const [pid, ...others] = await listeners();
      expect(others).toEqual([]);
      await withClient((c) => c.query('select pg_terminate_backend($1)', [pid]));
      await until('the reconnection', () => events.length === 1, 5000);
      expect(events).toEqual([{ model: ANY_ALIAS, alias: ANY_ALIAS, version: 0 }]);
      expect(errors[0]).toMatch(/connection lost; reconnecting/);
      const [again] = await listeners();
      expect(again).toBeDefined();
      expect(again).not.toBe(pid);

      await registry.moveAlias({ model, alias: 'champion', to: 1, expected: null, actor: 't', reason: 'after the gap' });
      await until('a move after the reconnection', () => events.length === 2);
      expect(events[1]).toEqual({ model, alias: 'champion', version: 1 });

      // Closing the registry stops its watches.
      await registry.close();
      expect(await listeners()).toEqual([]);
    } finally {
      await store.cleanup();
    }
  });
});

describe('serving on a PostgreSQL registry', () => {
  let root: string;
  let v1: TrainedModel;
  let v2: TrainedModel;
  let store: PgStore;
  const model = 'churn';

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'driftloop-notify-serving-'));
    await writeExampleProject(root, { rows: 600 });
    // Two distinguishable versions of one model, trained side by side.
    [v1, v2] = await Promise.all([
      train(root, 'classifier', { target: 'churned', name: model }),
      train(root, 'forest', { target: 'churned', name: model, estimator: 'random_forest', params: { n_estimators: 15, max_depth: 4 } }),
    ]);
    store = await pgStore();
    const trainingData = await readFile(join(root, 'reference.csv'));
    for (const m of [v1, v2]) await store.registry.registerVersion({ model, onnx: await readFile(m.onnx), card: m.card, trainingData });
    await store.registry.promote({ model, to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
  });
  afterAll(async () => {
    await store?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('follows a promotion and a rollback within ~2 s with pollMs = 60 000 (the notification, not the poll), and closes its watch with the server', async () => {
    const { registry } = store;
    const swaps: string[] = [];
    const server = await startServer({
      source: { registry, model },
      pollMs: 60_000,
      events: { swap: (from, to) => swaps.push(`${from.version}->${to.version}`) },
    });
    const rows = await referenceRecords(join(root, 'reference.csv'), v1.card, 3);
    const served = async () => {
      const res = await postJson(`${server.url}/predict`, rows);
      expect(res.status).toBe(200);
      expect(res.json.model_version).toBe(res.headers.get('x-model-version'));
      return res.headers.get('x-model-version');
    };
    try {
      expect(await listeners()).toHaveLength(1); // the server's watch
      expect(await served()).toBe('1');

      await registry.promote({ model, to: 2, expectedChampion: 1, actor: 'test', reason: 'promote' });
      const promotedIn = await until('the swap to version 2', () => server.follower.current.identity.version === '2');
      expect(await served()).toBe('2');

      await registry.rollback({ model, actor: 'test', reason: 'rollback', expectedChampion: 2 });
      const rolledBackIn = await until('the swap back to version 1', () => server.follower.current.identity.version === '1');
      expect(await served()).toBe('1');

      expect(swaps).toEqual(['1->2', '2->1']);
      expect(promotedIn).toBeLessThan(2000);
      expect(rolledBackIn).toBeLessThan(2000);
    } finally {
      await server.close();
    }
    // The watch's connection closed with the server; the registry itself stays open.
    expect(await listeners()).toEqual([]);
    expect((await registry.resolveAlias(model, 'champion'))?.version).toBe(1);
  });

  it('follows a canary starting and ending within ~2 s with pollMs = 60 000, on the one watch the champion uses', async () => {
    const { registry } = store;
    const server = await startServer({ source: { registry, model }, pollMs: 60_000 });
    try {
      expect(await listeners()).toHaveLength(1); // champion and canary share the server's watch
      expect(server.canary?.current).toBeNull();
      await registry.startCanary({ model, version: 2, share: 0.4, actor: 'test', reason: 'canary' });
      expect(await until('the canary to load', () => server.canary?.current?.model.identity.version === '2')).toBeLessThan(2000);
      expect(server.canary!.current!.share).toBe(0.4);
      await registry.endCanary({ model, actor: 'test', reason: 'end' });
      expect(await until('the canary to end', () => server.canary?.current === null)).toBeLessThan(2000);
      expect(server.follower.current.identity.version).toBe('1');
    } finally {
      await server.close();
    }
    expect(await listeners()).toEqual([]);
  });
});
