import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AliasConflictError, IntegrityError, NotFoundError } from '../../errors/index.js';
import { sha256 } from '../../registry/blob-store.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import type { ModelCard } from '../../training/model-card.js';

const data = new TextEncoder().encode('a,b\n1,2\n');
const card = (): ModelCard => ({
  schemaVersion: 1,
  modelName: 'm',
  task: 'binary',
  target: 'b',
  features: [{ name: 'a', kind: 'numeric', range: { min: 1, max: 1 }, missing: 0 }],
  classes: [0, 1],
  estimator: { name: 'logistic_regression', class: 'LogisticRegression', params: {} },
  search: null,
  metrics: { accuracy: 0.9 },
  validation: { policy: 'random', fraction: 0.2, rows: 1, timeColumn: null },
  trainingData: { sha256: sha256(data), rows: 1, columns: ['a', 'b'] },
  onnx: { opset: 17, opsetImports: { 'ai.onnx': 17 }, inputs: [{ name: 'a', type: 'float32' }], outputs: ['label', 'probabilities'] },
  libraries: { sklearn: '1.9.1' },
  fitSeconds: 0.1,
  parity: { rows: 1, maxAbsDiff: 0, labelMismatches: 0, tolerance: 1e-4 },
  seed: 1,
});
const bytes = (s: string) => new TextEncoder().encode(s);

let home: string;
let reg: SqlRegistry;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-reg-'));
  reg = await openSqliteRegistry(home);
});
afterEach(async () => {
  await reg.close();
  await rm(home, { recursive: true, force: true });
});

describe('SQLite registry', () => {
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
  });

  it('moves aliases by compare-and-swap and audits every move', async () => {
    await reg.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
    await reg.registerVersion({ model: 'm', onnx: bytes('two'), card: card(), trainingData: data });
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

  it('refuses a model card whose training-data hash does not match the data given', async () => {
    const wrong = { ...card(), trainingData: { sha256: 'a'.repeat(64), rows: 1, columns: ['a', 'b'] } };
    await expect(reg.registerVersion({ model: 'm', onnx: bytes('x'), card: wrong, trainingData: data })).rejects.toBeInstanceOf(IntegrityError);
    expect(await reg.listVersions('m')).toEqual([]);
  });

  it('detects a corrupted artifact on read', async () => {
    const { version } = await reg.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
    await writeFile(join(home, 'blobs', 'sha256', version.sha256), 'tampered');
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

  it('keeps its state across reopening (file-backed)', async () => {
    await reg.registerVersion({ model: 'm', onnx: bytes('one'), card: card(), trainingData: data });
    await reg.moveAlias({ model: 'm', alias: 'champion', to: 1, expected: null, actor: 'me', reason: 'x' });
    await reg.close();
    reg = await openSqliteRegistry(home);
    expect((await reg.resolveAlias('m', 'champion'))?.card.metrics.accuracy).toBe(0.9);
  });
});
