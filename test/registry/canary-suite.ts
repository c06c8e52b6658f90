import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AliasConflictError, DataError, NotFoundError } from '../../errors/index.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { bytes, card, data, type RegistryStore } from './registry-suite.js';

/** Canary state and per-prediction latency, the same on every backend. */
export function describeCanaries(name: string, fresh: () => Promise<RegistryStore>): void {
  describe(`${name} registry: canaries and latency`, () => {
    let store: RegistryStore;
    let reg: SqlRegistry;
    beforeEach(async () => {
      store = await fresh();
      reg = await store.open();
      for (let i = 1; i <= 3; i++) await reg.registerVersion({ model: 'm', onnx: bytes(`v${i}`), card: card(), trainingData: data });
    });
    afterEach(async () => {
      await store?.cleanup();
    });

    const start = (version: number, share = 0.2, runId = 'run-1') =>
      reg.startCanary({ model: 'm', version, share, actor: 'test', runId, reason: `canary of v${version}` });

    it('a canary needs a champion, and may not be the champion itself; bad shares are refused naming the share', async () => {
      await expect(start(2)).rejects.toBeInstanceOf(NotFoundError);
      await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
      await expect(start(1)).rejects.toBeInstanceOf(AliasConflictError);
      for (const share of [0, 1, -0.1, Number.NaN]) await expect(start(2, share)).rejects.toThrow(/canary share/);
      await expect(start(2, 1.5)).rejects.toBeInstanceOf(DataError);
      await expect(start(9)).rejects.toBeInstanceOf(NotFoundError);
      expect(await reg.getCanary('m')).toBeNull();
      expect(await reg.aliasHistory('m', 'canary')).toEqual([]);
    });

    it('start moves the canary alias (audited) and records share and champion; a retried start changes nothing', async () => {
      await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
      const first = await start(2, 0.25);
      expect(first.started).toBe(true);
      expect(first.canary).toMatchObject({ model: 'm', version: 2, share: 0.25, champion: 1, actor: 'test', runId: 'run-1', endedAt: null });
      expect((await reg.resolveAlias('m', 'canary'))?.version).toBe(2);
      const again = await start(2, 0.25);
      expect(again).toEqual({ started: false, canary: first.canary });
      expect(await reg.getCanary('m')).toEqual(first.canary);
      const moves = await reg.aliasHistory('m', 'canary');
      expect(moves.map((m) => [m.fromVersion, m.toVersion, m.actor, m.runId, m.reason])).toEqual([[null, 2, 'test', 'run-1', 'canary of v2']]);
      // The champion is untouched by a canary.
      expect((await reg.resolveAlias('m', 'champion'))?.version).toBe(1);
    });

    it('a second canary while one runs is a conflict; after ending, another version may start (alias moves again)', async () => {
      await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
      await start(2);
      await expect(start(3)).rejects.toBeInstanceOf(AliasConflictError);
      const ended = await reg.endCanary({ model: 'm', actor: 'test', runId: 'run-1', reason: 'worse latency' });
      expect(ended.ended).toBe(true);
      expect(ended.canary).toMatchObject({ version: 2, endedBy: 'test', endRunId: 'run-1', endReason: 'worse latency' });
      expect(await reg.getCanary('m')).toBeNull();
      const next = await start(3, 0.5, 'run-2');
      expect(next.started).toBe(true);
      expect((await reg.getCanary('m'))?.version).toBe(3);
      expect((await reg.aliasHistory('m', 'canary')).map((m) => [m.fromVersion, m.toVersion])).toEqual([
        [null, 2],
        [2, 3],
      ]);
      // The same version again after it ended: a new canary, no alias move needed.
      await reg.endCanary({ model: 'm', actor: 'test', reason: 'done' });
      expect((await start(3, 0.1, 'run-3')).started).toBe(true);
      const history = await reg.canaryHistory('m');
      expect(history.map((c) => [c.version, c.runId, c.endedAt === null])).toEqual([
        [2, 'run-1', false],
        [3, 'run-2', false],
        [3, 'run-3', true],
      ]);
    });

    it('end is idempotent: ending an ended canary (or none) is a no-op; a version guard leaves another canary running', async () => {
      expect(await reg.endCanary({ model: 'm', actor: 'test', reason: 'nothing' })).toEqual({ ended: false, canary: null });
      await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
      await start(2);
      expect(await reg.endCanary({ model: 'm', actor: 'test', reason: 'wrong one', version: 3 })).toEqual({ ended: false, canary: null });
      expect((await reg.getCanary('m'))?.version).toBe(2);
      expect((await reg.endCanary({ model: 'm', actor: 'test', reason: 'r' })).ended).toBe(true);
      expect(await reg.endCanary({ model: 'm', actor: 'test', reason: 'retry' })).toEqual({ ended: false, canary: null });
      expect((await reg.canaryHistory('m')).map((c) => c.endReason)).toEqual(['r']);
    });

    it('promoting the version in canary ends its canary in the same step; promoting another version leaves it running', async () => {
      await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
      await start(2);
      await reg.promote({ model: 'm', to: 3, expectedChampion: 1, actor: 'test', reason: 'other' });
      expect((await reg.getCanary('m'))?.version).toBe(2);
      await reg.promote({ model: 'm', to: 2, expectedChampion: 3, actor: 'wf', runId: 'run-9', reason: 'canary passed' });
      expect(await reg.getCanary('m')).toBeNull();
      expect((await reg.canaryHistory('m'))[0]).toMatchObject({ version: 2, endedBy: 'wf', endRunId: 'run-9', endReason: 'promoted: canary passed' });
    });

    it('concurrent starts of two versions from two connections: exactly one canary runs', async () => {
      await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
      const other = await store.open();
      const results = await Promise.allSettled([
        reg.startCanary({ model: 'm', version: 2, share: 0.1, actor: 'a', reason: 'a' }),
        other.startCanary({ model: 'm', version: 3, share: 0.1, actor: 'b', reason: 'b' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(AliasConflictError);
      expect(await reg.canaryHistory('m')).toHaveLength(1);
    });

    it('a canary survives reopening (serving in another process reads it)', async () => {
      await reg.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
      await start(3, 0.3);
      const other = await store.open();
      expect(await other.getCanary('m')).toMatchObject({ version: 3, share: 0.3, champion: 1 });
    });

    it('stores each prediction\'s latency; absent reads back null; a negative or non-finite latency is refused naming it', async () => {
      const rec = (id: string, latencyMs?: number | null) => ({
        requestId: id,
        model: 'm',
        version: 1,
        at: '2025-01-01T00:00:00.000Z',
        features: {},
        prediction: 1,
        ...(latencyMs === undefined ? {} : { latencyMs }),
      });
      await reg.logPredictions([rec('a', 12.5), rec('b'), rec('c', null), rec('d', 0)]);
      expect((await reg.readPredictions('m')).map((r) => [r.requestId, r.latencyMs])).toEqual([
        ['a', 12.5],
        ['b', null],
        ['c', null],
        ['d', 0],
      ]);
      await expect(reg.logPredictions([rec('e', -1)])).rejects.toThrow(/latencyMs/);
      await expect(reg.logPredictions([rec('f', Number.POSITIVE_INFINITY)])).rejects.toBeInstanceOf(DataError);
    });
  });
}
