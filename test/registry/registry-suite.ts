import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AliasConflictError, DataError, IntegrityError, NotFoundError } from '../../errors/index.js';
import { sha256 } from '../../registry/blob-store.js';
import { migrationsFor } from '../../registry/schema.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import type { DriftReport } from '../../drift/report.js';
import type { MetricWindow, PredictionRecord } from '../../registry/types.js';
import type { ModelCard } from '../../training/model-card.js';

/** One empty registry database (its own SQLite file, or its own PostgreSQL schema) and blob directory. */
export interface RegistryStore {
  home: string;
  /** Opens a registry on this store: a new connection (SQLite) or pool (PostgreSQL) each time. */
  open(): Promise<SqlRegistry>;
  /** Closes what is still open and removes the store. */
  cleanup(): Promise<void>;
}

export const data = new TextEncoder().encode('a,b\n1,2\n');
export const bytes = (s: string) => new TextEncoder().encode(s);
export const card = (accuracy = 0.9): ModelCard => ({
  schemaVersion: 1,
  modelName: 'm',
  task: 'binary',
  target: 'b',
  features: [{ name: 'a', kind: 'numeric', range: { min: 1, max: 1 }, missing: 0 }],
  classes: [0, 1],
  estimator: { name: 'logistic_regression', class: 'LogisticRegression', params: {} },
  search: null,
  metrics: { accuracy },
  validation: { policy: 'random', fraction: 0.2, rows: 1, timeColumn: null },
  trainingData: { sha256: sha256(data), rows: 1, columns: ['a', 'b'] },
  onnx: { opset: 17, opsetImports: { 'ai.onnx': 17 }, inputs: [{ name: 'a', type: 'float32' }], outputs: ['label', 'probabilities'] },
  libraries: { sklearn: '1.9.1' },
  fitSeconds: 0.1,
  parity: { rows: 1, maxAbsDiff: 0, labelMismatches: 0, tolerance: 1e-4 },
  seed: 1,
});

/** Registers versions 1..n of model `m` (ONNX bytes "v1", "v2", …). */
async function versions(reg: SqlRegistry, n: number, model = 'm'): Promise<void> {
  for (let i = 1; i <= n; i++) await reg.registerVersion({ model, onnx: bytes(`v${i}`), card: card(), trainingData: data });
}

const prediction = (i: number, over: Partial<PredictionRecord> = {}): PredictionRecord => ({
  requestId: `req-${String(i).padStart(5, '0')}`,
  model: 'm',
  version: 1,
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
  features: { tenure: i, plan: i % 2 === 0 ? 'basic' : 'pro', missing: null },
  prediction: { label: i % 2, probabilities: [0.25, 0.75] },
  probabilities: { '0': 0.25, '1': 0.75 },
  ...over,
});

const window = (over: Partial<MetricWindow> = {}): MetricWindow => ({
  model: 'm',
  version: 1,
  metric: 'accuracy',
  kind: 'realised',
  windowStart: '2025-01-01T00:00:00.000Z',
  windowEnd: '2025-01-02T00:00:00.000Z',
  value: 0.75,
  reason: null,
  rows: 120,
  labelledRows: 100,
  computedAt: '2025-01-02T01:00:00.000Z',
  ...over,
});

/** A valid DriftReport (drift/report.ts) with one drifted and one stable column. */
export const driftReport = (drifted = true): DriftReport => ({
  version: 1,
  dataset: {
    drifted,
    share: drifted ? 0.5 : 0,
    threshold: 0.5,
    driftedColumns: drifted ? 1 : 0,
    testedColumns: 2,
    mustWatchDrifted: [],
    rows: { reference: 100, current: 80 },
  },
  columns: ['a', 'b'].map((name, i) => ({
    name,
    kind: 'numeric' as const,
    method: 'ks' as const,
    status: 'tested' as const,
    statistic: i === 0 && drifted ? 0.4 : 0.05,
    pValue: i === 0 && drifted ? 0.001 : 0.9,
    threshold: 0.05,
    drifted: i === 0 && drifted,
    mustWatch: false,
    rows: { reference: 100, current: 80 },
    missing: { reference: 0, current: 0 },
    missingJump: false,
  })),
});

/**
 * The registry's behaviour, the same for every backend. `fresh` gives an
 * empty store per test; it throws (failing the test) when the backend is not
 * available.
 */
export function describeRegistry(name: string, fresh: () => Promise<RegistryStore>): void {
  describe(`${name} registry`, () => {
    let store: RegistryStore;
    let reg: SqlRegistry;
    beforeEach(async () => {
      store = await fresh();
      reg = await store.open();
    });
    afterEach(async () => {
      await store?.cleanup();
    });

    describe('versions', () => {
      it('numbers versions per model and keys them by content: the same bytes register once', async () => {
        const a = await reg.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
        const again = await reg.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
        const b = await reg.registerVersion({ model: 'm', onnx: bytes('two'), card: card(), trainingData: data });
        const other = await reg.registerVersion({ model: 'n', onnx: bytes('one'), card: card(), trainingData: data });
        expect([a.version.version, again.version.version, b.version.version, other.version.version]).toEqual([1, 1, 2, 1]);
        expect([a.created, again.created]).toEqual([true, false]);
        expect(a.version.sha256).toBe(sha256(bytes('one')));
        expect(new Uint8Array(await reg.readModel(b.version))).toEqual(bytes('two'));
        expect(await readFile(await reg.trainingDataPath(a.version), 'utf8')).toBe('a,b\n1,2\n');
        expect((await reg.getVersion('m', 2)).card).toEqual(card());
      });

      it('refuses a model card whose training-data hash does not match the data given', async () => {
        const wrong = { ...card(), trainingData: { sha256: 'a'.repeat(64), rows: 1, columns: ['a', 'b'] } };
        await expect(reg.registerVersion({ model: 'm', onnx: bytes('x'), card: wrong, trainingData: data })).rejects.toBeInstanceOf(IntegrityError);
        expect(await reg.listVersions('m')).toEqual([]);
      });

      it('detects a corrupted artifact on read', async () => {
        const { version } = await reg.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
        await writeFile(join(store.home, 'blobs', 'sha256', version.sha256), 'tampered');
        await expect(reg.readModel(version)).rejects.toThrow(/is corrupt/);
      });

      it('rejects bad names and missing versions with clear errors', async () => {
        await expect(reg.getVersion('../x', 1)).rejects.toThrow(/invalid model name/);
        await expect(reg.getVersion('m', 3)).rejects.toBeInstanceOf(NotFoundError);
        await expect(reg.resolveAlias('m', 'Bad/Alias')).rejects.toThrow(/invalid alias/);
        await expect(
          reg.moveAlias({ model: 'm', alias: 'champion', to: 9, expected: null, actor: 'me', reason: 'x' }),
        ).rejects.toThrow(/has no version 9/);
      });

      it('keeps its state across reopening', async () => {
        await reg.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
        await reg.moveAlias({ model: 'm', alias: 'champion', to: 1, expected: null, actor: 'me', reason: 'x' });
        await reg.close();
        reg = await store.open();
        expect((await reg.resolveAlias('m', 'champion'))?.card.metrics.accuracy).toBe(0.9);
      });

      it('lists models with their version count, champion and last change', async () => {
        await versions(reg, 3, 'm');
        await versions(reg, 1, 'a-model');
        const moved = await reg.moveAlias({ model: 'm', alias: 'champion', to: 2, expected: null, actor: 'me', reason: 'x' });
        const models = await reg.listModels();
        expect(models.map((m) => [m.model, m.versions, m.latestVersion, m.champion])).toEqual([
          ['a-model', 1, 1, null],
          ['m', 3, 3, 2],
        ]);
        expect(models[1]!.updatedAt).toBe(moved.moved ? moved.move.movedAt : '');
        expect(models[0]!.updatedAt).toBe((await reg.getVersion('a-model', 1)).createdAt);
      });
    });

    describe('migrations', () => {
      it('are applied once, at open; reopening applies none', async () => {
        const names = Object.keys(migrationsFor(reg.dialect)).sort();
        expect(names).toEqual(['0001_versions_and_aliases', '0002_prediction_log', '0003_monitoring', '0004_canary_and_latency']);
        const again = await store.open();
        expect(await again.migrate()).toEqual([]);
      });

      it('two registries opening a fresh database at the same time both work, and each migration runs once', async () => {
        const other = await fresh();
        try {
          const [a, b] = await Promise.all([other.open(), other.open()]);
          await a.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
          expect((await b.listVersions('m')).map((v) => v.version)).toEqual([1]);
          expect(await a.migrate()).toEqual([]);
        } finally {
          await other.cleanup();
        }
      });
    });

    describe('aliases', () => {
      it('moves aliases by compare-and-swap and audits every move', async () => {
        await versions(reg, 2);
        const first = await reg.moveAlias({ model: 'm', alias: 'champion', to: 1, expected: null, actor: 'me', reason: 'first' });
        expect(first.moved).toBe(true);
        await expect(
          reg.moveAlias({ model: 'm', alias: 'champion', to: 2, expected: null, actor: 'me', reason: 'stale' }),
        ).rejects.toBeInstanceOf(AliasConflictError);
        const repeat = await reg.moveAlias({ model: 'm', alias: 'champion', to: 1, expected: null, actor: 'me', reason: 'again' });
        expect(repeat).toEqual({ moved: false, current: 1 });
        await reg.moveAlias({ model: 'm', alias: 'champion', to: 2, expected: 1, actor: 'wf', runId: 'r1', reason: 'better' });
        expect((await reg.resolveAlias('m', 'champion'))?.version).toBe(2);
        expect(await reg.resolveAlias('m', 'challenger')).toBeNull();
        const history = await reg.aliasHistory('m', 'champion');
        expect(history.map((h) => [h.fromVersion, h.toVersion, h.actor, h.runId])).toEqual([
          [null, 1, 'me', null],
          [1, 2, 'wf', 'r1'],
        ]);
      });

      it('keeps challenger, previous and user aliases side by side and lists them', async () => {
        await versions(reg, 3);
        await reg.moveAlias({ model: 'm', alias: 'champion', to: 1, expected: null, actor: 'me', reason: 'x' });
        await reg.moveAlias({ model: 'm', alias: 'challenger', to: 2, expected: null, actor: 'me', reason: 'x' });
        await reg.moveAlias({ model: 'm', alias: 'shadow_eu-1', to: 3, expected: null, actor: 'me', reason: 'x' });
        expect((await reg.listAliases('m')).map((a) => [a.alias, a.version])).toEqual([
          ['challenger', 2],
          ['champion', 1],
          ['shadow_eu-1', 3],
        ]);
        await expect(reg.moveAlias({ model: 'm', alias: 'Shadow', to: 3, expected: null, actor: 'me', reason: 'x' })).rejects.toThrow(/invalid alias/);
        await expect(reg.moveAlias({ model: 'm', alias: '1st', to: 3, expected: null, actor: 'me', reason: 'x' })).rejects.toThrow(/invalid alias/);
        expect(await reg.aliasHistory('m')).toHaveLength(3);
      });

      it('promote moves champion by compare-and-swap and points previous at the old champion, in one audited step', async () => {
        await versions(reg, 3);
        const first = await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'wf', runId: 'r1', reason: 'bootstrap' });
        expect(first).toMatchObject({ moved: true, previousChampion: null });
        expect(await reg.resolveAlias('m', 'previous')).toBeNull();

        const second = await reg.promote({ model: 'm', to: 2, expectedChampion: 1, actor: 'wf', runId: 'r2', reason: 'better' });
        expect(second.moved && second.moves.map((m) => [m.alias, m.fromVersion, m.toVersion])).toEqual([
          ['champion', 1, 2],
          ['previous', null, 1],
        ]);
        const third = await reg.promote({ model: 'm', to: 3, expectedChampion: 2, actor: 'wf', runId: 'r3', reason: 'better still' });
        expect(third.moved && third.moves.map((m) => [m.alias, m.fromVersion, m.toVersion])).toEqual([
          ['champion', 2, 3],
          ['previous', 1, 2],
        ]);
        expect((await reg.resolveAlias('m', 'champion'))?.version).toBe(3);
        expect((await reg.resolveAlias('m', 'previous'))?.version).toBe(2);
        const history = await reg.aliasHistory('m');
        expect(history.map((h) => [h.alias, h.fromVersion, h.toVersion, h.runId, h.reason])).toEqual([
          ['champion', null, 1, 'r1', 'bootstrap'],
          ['champion', 1, 2, 'r2', 'better'],
          ['previous', null, 1, 'r2', 'better'],
          ['champion', 2, 3, 'r3', 'better still'],
          ['previous', 1, 2, 'r3', 'better still'],
        ]);
      });

      it('promote is idempotent and refuses a stale expected champion without changing anything', async () => {
        await versions(reg, 3);
        await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'wf', reason: 'x' });
        await reg.promote({ model: 'm', to: 2, expectedChampion: 1, actor: 'wf', reason: 'x' });
        const retried = await reg.promote({ model: 'm', to: 2, expectedChampion: 1, actor: 'wf', reason: 'x' });
        expect(retried).toEqual({ moved: false, current: 2 });
        await expect(reg.promote({ model: 'm', to: 3, expectedChampion: 1, actor: 'wf', reason: 'x' })).rejects.toThrow(
          /m@champion points at version 2, not at version 1 as expected; version 3 not promoted/,
        );
        await expect(reg.promote({ model: 'm', to: 3, expectedChampion: 1, actor: 'wf', reason: 'x' })).rejects.toBeInstanceOf(AliasConflictError);
        await expect(reg.promote({ model: 'm', to: 7, expectedChampion: 2, actor: 'wf', reason: 'x' })).rejects.toThrow(/has no version 7/);
        expect((await reg.resolveAlias('m', 'champion'))?.version).toBe(2);
        expect((await reg.resolveAlias('m', 'previous'))?.version).toBe(1);
        expect(await reg.aliasHistory('m')).toHaveLength(3);
      });

      it('rollback swaps champion and previous, audited; rolling back again swaps them back', async () => {
        await versions(reg, 2);
        await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'wf', reason: 'x' });
        await reg.promote({ model: 'm', to: 2, expectedChampion: 1, actor: 'wf', reason: 'x' });
        const back = await reg.rollback({ model: 'm', actor: 'cli:ops', reason: 'v2 misbehaves' });
        expect({ champion: back.champion, previous: back.previous }).toEqual({ champion: 1, previous: 2 });
        expect((await reg.resolveAlias('m', 'champion'))?.version).toBe(1);
        expect((await reg.resolveAlias('m', 'previous'))?.version).toBe(2);
        const audit = (await reg.aliasHistory('m')).slice(-2);
        expect(audit.map((h) => [h.alias, h.fromVersion, h.toVersion, h.actor, h.reason])).toEqual([
          ['champion', 2, 1, 'cli:ops', 'v2 misbehaves'],
          ['previous', 1, 2, 'cli:ops', 'v2 misbehaves'],
        ]);
        await reg.rollback({ model: 'm', actor: 'cli:ops', reason: 'fixed' });
        expect((await reg.resolveAlias('m', 'champion'))?.version).toBe(2);
        await expect(reg.rollback({ model: 'm', actor: 'x', reason: 'x', expectedChampion: 1 })).rejects.toBeInstanceOf(AliasConflictError);
        expect(await reg.aliasHistory('m')).toHaveLength(7);
      });

      it('rollback without a previous version fails with a clear error and changes nothing', async () => {
        await versions(reg, 1);
        await expect(reg.rollback({ model: 'm', actor: 'x', reason: 'x' })).rejects.toThrow(
          /model "m" has no "previous" alias: there is nothing to roll back to/,
        );
        await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'wf', reason: 'x' });
        await expect(reg.rollback({ model: 'm', actor: 'x', reason: 'x' })).rejects.toBeInstanceOf(NotFoundError);
        expect((await reg.resolveAlias('m', 'champion'))?.version).toBe(1);
        expect(await reg.aliasHistory('m')).toHaveLength(1);
      });
    });

    describe('concurrency (two registries: two connections or pools)', () => {
      it('registering the same bytes concurrently gives one version; different bytes get distinct consecutive numbers', async () => {
        const other = await store.open();
        const same = await Promise.all([
          reg.registerVersion({ model: 'm', onnx: bytes('same'), card: card(), trainingData: data }),
          other.registerVersion({ model: 'm', onnx: bytes('same'), card: card(), trainingData: data }),
        ]);
        expect(same.map((r) => r.version.version)).toEqual([1, 1]);
        expect(same.filter((r) => r.created)).toHaveLength(1);
        const many = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i < 4 ? reg : other).registerVersion({ model: 'm', onnx: bytes(`distinct-${i % 4}`), card: card(), trainingData: data }),
          ),
        );
        expect(many.filter((r) => r.created)).toHaveLength(4);
        expect((await reg.listVersions('m')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
        expect(new Set(many.map((r) => r.version.version))).toEqual(new Set([2, 3, 4, 5]));
      });

      it('two compare-and-swap moves from the same expected version: exactly one wins, the other gets AliasConflictError', async () => {
        await versions(reg, 3);
        await reg.moveAlias({ model: 'm', alias: 'champion', to: 1, expected: null, actor: 'setup', reason: 'x' });
        const other = await store.open();
        const results = await Promise.allSettled([
          reg.moveAlias({ model: 'm', alias: 'champion', to: 2, expected: 1, actor: 'a', reason: 'x' }),
          other.moveAlias({ model: 'm', alias: 'champion', to: 3, expected: 1, actor: 'b', reason: 'x' }),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]!.reason).toBeInstanceOf(AliasConflictError);
        const winner = won[0]!.status === 'fulfilled' && won[0]!.value.moved ? won[0]!.value.move.toVersion : null;
        expect((await reg.resolveAlias('m', 'champion'))?.version).toBe(winner);
        const fromOne = (await reg.aliasHistory('m', 'champion')).filter((h) => h.fromVersion === 1);
        expect(fromOne.map((h) => h.toVersion)).toEqual([winner]);
      });

      it('two concurrent first moves of an unset alias: exactly one wins', async () => {
        await versions(reg, 2);
        const other = await store.open();
        const results = await Promise.allSettled([
          reg.moveAlias({ model: 'm', alias: 'challenger', to: 1, expected: null, actor: 'a', reason: 'x' }),
          other.moveAlias({ model: 'm', alias: 'challenger', to: 2, expected: null, actor: 'b', reason: 'x' }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect(results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason).toBeInstanceOf(AliasConflictError);
        expect(await reg.aliasHistory('m', 'challenger')).toHaveLength(1);
      });

      it('two concurrent promotions from the same champion: one wins, previous is set once', async () => {
        await versions(reg, 3);
        await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'setup', reason: 'x' });
        const other = await store.open();
        const results = await Promise.allSettled([
          reg.promote({ model: 'm', to: 2, expectedChampion: 1, actor: 'a', reason: 'x' }),
          other.promote({ model: 'm', to: 3, expectedChampion: 1, actor: 'b', reason: 'x' }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect(results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason).toBeInstanceOf(AliasConflictError);
        expect((await reg.resolveAlias('m', 'previous'))?.version).toBe(1);
        expect((await reg.aliasHistory('m', 'previous')).map((h) => [h.fromVersion, h.toVersion])).toEqual([[null, 1]]);
        expect(await reg.aliasHistory('m', 'champion')).toHaveLength(2);
      });
    });

    describe('prediction log', () => {
      it('stores what serving logs and reads it back oldest first, with its types', async () => {
        await reg.logPredictions([prediction(2), prediction(1), prediction(3, { version: 2, at: '2025-01-01T01:00:03+01:00' })]);
        const rows = await reg.readPredictions('m');
        expect(rows.map((r) => r.requestId)).toEqual(['req-00001', 'req-00002', 'req-00003']);
        expect(rows[0]).toEqual({ ...prediction(1), latencyMs: null, label: null, labelledAt: null });
        // Times are normalized to UTC, so text order is time order on every backend.
        expect(rows[2]!.at).toBe('2025-01-01T00:00:03.000Z');
        expect(await reg.readPredictions('other')).toEqual([]);
      });

      it('filters by time window, version and labels, and limits', async () => {
        await reg.logPredictions(Array.from({ length: 10 }, (_, i) => prediction(i, { version: i < 5 ? 1 : 2 })));
        const at = (i: number) => prediction(i).at;
        expect((await reg.readPredictions('m', { since: at(3), until: at(6) })).map((r) => r.features.tenure)).toEqual([3, 4, 5]);
        expect((await reg.readPredictions('m', { version: 2 })).map((r) => r.version)).toEqual([2, 2, 2, 2, 2]);
        expect((await reg.readPredictions('m', { limit: 2 })).map((r) => r.features.tenure)).toEqual([0, 1]);
        await reg.recordFeedback({ model: 'm', requestId: prediction(7).requestId, label: 1 });
        expect((await reg.readPredictions('m', { labelledOnly: true })).map((r) => r.requestId)).toEqual([prediction(7).requestId]);
        await expect(reg.readPredictions('m', { since: 'yesterday' })).rejects.toBeInstanceOf(DataError);
      });

      it('ignores duplicate request ids: a retried flush changes nothing, the first write wins', async () => {
        await reg.logPredictions([prediction(1), prediction(2)]);
        await reg.logPredictions([prediction(1, { prediction: 'changed' }), prediction(2), prediction(3)]);
        await reg.logPredictions([prediction(4), prediction(4, { prediction: 'dup in one batch' })]);
        const rows = await reg.readPredictions('m');
        expect(rows.map((r) => r.requestId)).toEqual(['req-00001', 'req-00002', 'req-00003', 'req-00004']);
        expect(rows[0]!.prediction).toEqual(prediction(1).prediction);
        expect(rows[3]!.prediction).toEqual(prediction(4).prediction);
      });

      it('logs a batch of 5,000 records in one call, and a retry of it adds nothing', async () => {
        const batch = Array.from({ length: 5000 }, (_, i) => prediction(i, { at: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString() }));
        await reg.logPredictions(batch);
        await reg.logPredictions(batch);
        const rows = await reg.readPredictions('m');
        expect(rows).toHaveLength(5000);
        expect(rows[4999]).toEqual({ ...batch[4999], latencyMs: null, label: null, labelledAt: null });
        expect(rows.map((r) => r.requestId)).toEqual(batch.map((r) => r.requestId));
      });

      it('refuses an invalid record, naming it, and stores none of its batch', async () => {
        await expect(reg.logPredictions([prediction(1), prediction(2, { at: 'not a time' })])).rejects.toThrow(/prediction record 1 \(req-00002\) time/);
        await expect(reg.logPredictions([prediction(1), prediction(2, { version: 0 })])).rejects.toBeInstanceOf(DataError);
        await expect(reg.logPredictions([prediction(1, { requestId: '' })])).rejects.toThrow(/request id/);
        await expect(reg.logPredictions([prediction(1, { model: 'Bad Name' })])).rejects.toThrow(/invalid model name/);
        expect(await reg.readPredictions('m')).toEqual([]);
      });

      it('matches feedback to logged predictions by model and request id, keeping the label type', async () => {
        await reg.logPredictions([prediction(1), prediction(2), prediction(3), prediction(4, { model: 'n' })]);
        expect(await reg.recordFeedback({ model: 'm', requestId: 'req-00001', label: 1, at: '2025-02-01T00:00:00Z' })).toEqual({ matched: true });
        expect(await reg.recordFeedback({ model: 'm', requestId: 'req-00002', label: 'churned' })).toEqual({ matched: true });
        expect(await reg.recordFeedback({ model: 'm', requestId: 'req-00003', label: false })).toEqual({ matched: true });
        expect(await reg.recordFeedback({ model: 'm', requestId: 'req-99999', label: 1 })).toEqual({ matched: false });
        // Request ids are per model: n's request is not m's.
        expect(await reg.recordFeedback({ model: 'm', requestId: 'req-00004', label: 1 })).toEqual({ matched: false });
        const rows = await reg.readPredictions('m', { labelledOnly: true });
        expect(rows.map((r) => [r.requestId, r.label])).toEqual([
          ['req-00001', 1],
          ['req-00002', 'churned'],
          ['req-00003', false],
        ]);
        expect(rows[0]!.labelledAt).toBe('2025-02-01T00:00:00.000Z');
        expect(Date.parse(rows[1]!.labelledAt!)).toBeGreaterThan(Date.now() - 60_000);
        // Later feedback for the same request replaces the label.
        await reg.recordFeedback({ model: 'm', requestId: 'req-00001', label: 0 });
        expect((await reg.readPredictions('m', { labelledOnly: true }))[0]!.label).toBe(0);
        await expect(reg.recordFeedback({ model: 'm', requestId: 'req-00001', label: Number.NaN })).rejects.toBeInstanceOf(DataError);
      });

      it('stores class probabilities per row; a row without them reads back null, bad ones are refused naming the class', async () => {
        await reg.logPredictions([
          prediction(1, { probabilities: { a: 0.1, b: 0.2, c: 0.7 } }),
          prediction(2, { probabilities: undefined }),
          prediction(3, { prediction: 12.5, probabilities: null }),
        ]);
        expect((await reg.readPredictions('m')).map((r) => r.probabilities)).toEqual([{ a: 0.1, b: 0.2, c: 0.7 }, null, null]);
        await expect(reg.logPredictions([prediction(4, { probabilities: { a: 1.5 } })])).rejects.toThrow(
          /prediction record 0 \(req-00004\): the probability of class "a" must be a number in \[0, 1\], not 1.5/,
        );
        await expect(reg.logPredictions([prediction(4, { probabilities: [0.5, 0.5] as never })])).rejects.toThrow(/probabilities must be an object/);
        await expect(reg.logPredictions([prediction(4, { probabilities: { a: Number.NaN } })])).rejects.toBeInstanceOf(DataError);
      });

      it('pages through the log by keyset: every row exactly once, in order, even when rows share a time', async () => {
        const at = (i: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, Math.floor(i / 3))).toISOString();
        await reg.logPredictions(Array.from({ length: 25 }, (_, i) => prediction(i, { at: at(i) })));
        const seen: string[] = [];
        let after: { at: string; requestId: string } | undefined;
        for (;;) {
          const page = await reg.readPredictions('m', { limit: 4, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          seen.push(...page.map((r) => r.requestId));
          after = { at: page.at(-1)!.at, requestId: page.at(-1)!.requestId };
        }
        expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => prediction(i).requestId));
      });
    });

    describe('metric windows', () => {
      it('saves and lists windows; saving the same key again replaces the row (idempotent recomputation)', async () => {
        await reg.saveMetricWindows([
          window(),
          window({ kind: 'estimated', value: 0.8 }),
          window({ metric: 'rocAuc', value: null, reason: 'only positive rows: ROC AUC needs both' }),
          window({ version: 2, windowStart: '2025-01-02T00:00:00Z', windowEnd: '2025-01-03T00:00:00Z', value: 0.7 }),
        ]);
        await reg.saveMetricWindows([window({ value: 0.5, rows: 130, labelledRows: 110, computedAt: '2025-01-02T02:00:00.000Z' })]);
        const all = await reg.listMetricWindows('m');
        expect(all).toHaveLength(4);
        // By window start, version, metric, kind.
        expect(all.map((w) => [w.version, w.metric, w.kind, w.value])).toEqual([
          [1, 'accuracy', 'estimated', 0.8],
          [1, 'accuracy', 'realised', 0.5],
          [1, 'rocAuc', 'realised', null],
          [2, 'accuracy', 'realised', 0.7],
        ]);
        expect(all[1]).toEqual(window({ value: 0.5, rows: 130, labelledRows: 110, computedAt: '2025-01-02T02:00:00.000Z' }));
        expect(all.find((w) => w.metric === 'rocAuc')!.reason).toBe('only positive rows: ROC AUC needs both');
        // A value of full double precision survives (PostgreSQL's real would not).
        await reg.saveMetricWindows([window({ metric: 'logLoss', value: 0.123456789012345 })]);
        expect((await reg.listMetricWindows('m', { metric: 'logLoss' }))[0]!.value).toBe(0.123456789012345);
        expect(await reg.listMetricWindows('other')).toEqual([]);
      });

      it('filters by overlapping time, version and metric', async () => {
        const day = (d: number) => new Date(Date.UTC(2025, 0, d)).toISOString();
        await reg.saveMetricWindows(
          [1, 2, 3, 4].flatMap((d) => [
            window({ windowStart: day(d), windowEnd: day(d + 1), version: d < 3 ? 1 : 2 }),
            window({ windowStart: day(d), windowEnd: day(d + 1), metric: 'f1', version: d < 3 ? 1 : 2 }),
          ]),
        );
        const starts = (ws: MetricWindow[]) => [...new Set(ws.map((w) => w.windowStart))];
        expect(starts(await reg.listMetricWindows('m', { since: '2025-01-02T12:00:00Z', until: '2025-01-04T00:00:00Z' }))).toEqual([day(2), day(3)]);
        expect(starts(await reg.listMetricWindows('m', { version: 2 }))).toEqual([day(3), day(4)]);
        expect((await reg.listMetricWindows('m', { metric: 'f1' })).map((w) => w.metric)).toEqual(['f1', 'f1', 'f1', 'f1']);
        await expect(reg.listMetricWindows('m', { since: 'last week' })).rejects.toBeInstanceOf(DataError);
      });

      it('refuses an invalid window, naming it and the field, and saves none of its batch', async () => {
        await expect(reg.saveMetricWindows([window(), window({ labelledRows: 200 })])).rejects.toThrow(/metric window 1: labelledRows: is more than rows \(120\)/);
        await expect(reg.saveMetricWindows([window({ windowEnd: window().windowStart })])).rejects.toThrow(/windowEnd: must be after windowStart/);
        await expect(reg.saveMetricWindows([window({ value: Number.NaN })])).rejects.toThrow(/metric window 0: value/);
        await expect(reg.saveMetricWindows([window({ kind: 'guessed' as never })])).rejects.toBeInstanceOf(DataError);
        expect(await reg.listMetricWindows('m')).toEqual([]);
      });
    });

    describe('drift reports', () => {
      it('saves a report with its HTML in the blob store, reads it back, lists newest first without the report', async () => {
        const html = `<!doctype html><title>drift</title>${'<p>x</p>'.repeat(50_000)}`;
        const a = await reg.saveDriftReport({ model: 'm', version: 1, at: '2025-01-01T00:00:00Z', report: driftReport(true), html });
        const b = await reg.saveDriftReport({ model: 'm', version: 2, runId: 'run-2', at: '2025-01-03T00:00:00Z', report: driftReport(false) });
        const c = await reg.saveDriftReport({ model: 'm', version: 1, runId: 'run-1', at: '2025-01-02T00:00:00Z', report: driftReport(true) });
        await reg.saveDriftReport({ model: 'n', version: 1, at: '2025-01-05T00:00:00Z', report: driftReport(true) });
        const stored = await reg.getDriftReport(a.id);
        expect(stored).toEqual({
          id: a.id,
          model: 'm',
          version: 1,
          runId: null,
          at: '2025-01-01T00:00:00.000Z',
          drifted: true,
          share: 0.5,
          hasHtml: true,
          report: driftReport(true),
          html,
        });
        expect(await reg.listDriftReports('m')).toEqual([
          { id: b.id, model: 'm', version: 2, runId: 'run-2', at: '2025-01-03T00:00:00.000Z', drifted: false, share: 0, hasHtml: false },
          { id: c.id, model: 'm', version: 1, runId: 'run-1', at: '2025-01-02T00:00:00.000Z', drifted: true, share: 0.5, hasHtml: false },
          { id: a.id, model: 'm', version: 1, runId: null, at: '2025-01-01T00:00:00.000Z', drifted: true, share: 0.5, hasHtml: true },
        ]);
        expect((await reg.listDriftReports('m', { limit: 1 })).map((r) => r.id)).toEqual([b.id]);
        expect((await reg.getDriftReport(b.id)).html).toBeNull();
      });

      it('one report per run: saving again under the same run id replaces it and keeps its id', async () => {
        const first = await reg.saveDriftReport({ model: 'm', version: 1, runId: 'run-1', at: '2025-01-01T00:00:00Z', report: driftReport(true) });
        const again = await reg.saveDriftReport({ model: 'm', version: 1, runId: 'run-1', at: '2025-01-01T00:05:00Z', report: driftReport(false), html: '<p>retry</p>' });
        expect(again.id).toBe(first.id);
        const stored = await reg.getDriftReport(first.id);
        expect([stored.drifted, stored.at, stored.html]).toEqual([false, '2025-01-01T00:05:00.000Z', '<p>retry</p>']);
        expect(await reg.listDriftReports('m')).toHaveLength(1);
      });

      it('refuses a report that is not a DriftReport, naming the field; unknown ids are NotFoundError', async () => {
        const bad = { ...driftReport(), dataset: { ...driftReport().dataset, share: 2 } };
        await expect(reg.saveDriftReport({ model: 'm', version: 1, at: '2025-01-01T00:00:00Z', report: bad })).rejects.toThrow(
          /not a valid DriftReport: report\.dataset\.share/,
        );
        await expect(reg.saveDriftReport({ model: 'm', version: 0, at: '2025-01-01T00:00:00Z', report: driftReport() })).rejects.toThrow(/version/);
        await expect(reg.saveDriftReport({ model: 'm', version: 1, at: 'noon', report: driftReport() })).rejects.toThrow(/at: must be an ISO-8601 time/);
        expect(await reg.listDriftReports('m')).toEqual([]);
        await expect(reg.getDriftReport(12345)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('a report whose HTML blob was corrupted is detected on read', async () => {
        const { id } = await reg.saveDriftReport({ model: 'm', version: 1, at: '2025-01-01T00:00:00Z', report: driftReport(), html: '<p>report</p>' });
        await writeFile(join(store.home, 'blobs', 'sha256', sha256(bytes('<p>report</p>'))), 'tampered');
        await expect(reg.getDriftReport(id)).rejects.toBeInstanceOf(IntegrityError);
      });
    });
  });
}
