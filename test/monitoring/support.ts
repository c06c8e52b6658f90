import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../../config/pipeline.js';
import { mulberry32 } from '../../dataset/synthetic.js';
import { sha256 } from '../../registry/blob-store.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { ModelCard } from '../../training/model-card.js';

export const trainingData = new TextEncoder().encode('x,y\n1,0\n');

/** A valid model card of the given task (the fields monitoring reads: task, classes, metrics). */
export function card(task: Task, classes: (string | number | boolean)[] | null, metrics: Record<string, number> = {}): ModelCard {
  return {
    schemaVersion: 1,
    modelName: 'm',
    task,
    target: 'y',
    features: [{ name: 'x', kind: 'numeric', range: { min: 0, max: 1 }, missing: 0 }],
    classes,
    estimator: { name: 'logistic_regression', class: 'LogisticRegression', params: {} },
    search: null,
    metrics,
    validation: { policy: 'random', fraction: 0.2, rows: 1, timeColumn: null },
    trainingData: { sha256: sha256(trainingData), rows: 1, columns: ['x', 'y'] },
    onnx: { opset: 17, opsetImports: { 'ai.onnx': 17 }, inputs: [{ name: 'x', type: 'float32' }], outputs: ['label', 'probabilities'] },
    libraries: { sklearn: '1.9.1' },
    fitSeconds: 0.1,
    parity: { rows: 1, maxAbsDiff: 0, labelMismatches: 0, tolerance: 1e-4 },
    seed: 1,
  };
}

/** A fresh SQLite registry under a temporary DRIFTLOOP_HOME. */
export async function tempRegistry(): Promise<{ home: string; registry: SqlRegistry; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'driftloop-monitoring-'));
  const registry = await openSqliteRegistry(home);
  return {
    home,
    registry,
    async cleanup() {
      await registry.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Registers versions 1..n of `model` with the given card. */
export async function registerVersions(registry: SqlRegistry, model: string, n: number, c: ModelCard): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await registry.registerVersion({ model, onnx: new TextEncoder().encode(`${model}-v${i}`), card: { ...c, modelName: model }, trainingData });
  }
}

/** Seeded random numbers and draws. */
export function random(seed: number) {
  const u = mulberry32(seed);
  return {
    uniform: u,
    /** A probability row over k classes: softmax of normals with the given spread. */
    probabilities(k: number, spread = 1.5): number[] {
      const z = Array.from({ length: k }, () => spread * normal(u));
      const max = Math.max(...z);
      const e = z.map((x) => Math.exp(x - max));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / s);
    },
    /** A class index drawn from a probability row. */
    draw(p: readonly number[]): number {
      const r = u();
      let acc = 0;
      for (let j = 0; j < p.length; j++) {
        acc += p[j]!;
        if (r < acc) return j;
      }
      return p.length - 1;
    },
    normal: () => normal(u),
  };
}

function normal(u: () => number): number {
  // Box–Muller; 1 - u keeps log() away from 0.
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export function argmax(p: readonly number[]): number {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
  return best;
}
