import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeCsv } from '../dataset/csv.js';
import { generateChurn, SYNTHETIC_FEATURES, SYNTHETIC_HEADER } from '../dataset/synthetic.js';
import type { PipelineConfigInput } from '../config/pipeline.js';

/** Files of the example project that the demo (and the tests) run the loop on. */
export interface ExampleProject {
  dir: string;
  /** Config whose current window has the same distribution as the training data. */
  steadyConfig: string;
  /** Config whose current window has drifted (see dataset/synthetic.ts). */
  driftedConfig: string;
}

export interface ExampleOptions {
  model?: string;
  rows?: number;
  overrides?: Partial<PipelineConfigInput>;
}

/**
 * Writes the synthetic churn data (training, a steady window, a drifted
 * window) and pipeline configs pointing at them into `dir`.
 */
export async function writeExampleProject(dir: string, opts: ExampleOptions = {}): Promise<ExampleProject> {
  const rows = opts.rows ?? 2000;
  await mkdir(dir, { recursive: true });
  await writeCsv(join(dir, 'reference.csv'), SYNTHETIC_HEADER, generateChurn({ rows, seed: 1 }));
  await writeCsv(join(dir, 'current-steady.csv'), SYNTHETIC_HEADER, generateChurn({ rows, seed: 2 }));
  await writeCsv(join(dir, 'current-drifted.csv'), SYNTHETIC_HEADER, generateChurn({ rows, seed: 3, drifted: true }));
  const base = (current: string): PipelineConfigInput => ({
    model: opts.model ?? 'churn',
    task: 'binary',
    target: 'churned',
    features: SYNTHETIC_FEATURES.map((f) => ({ ...f })),
    data: { reference: 'reference.csv', current },
    monitor: { metric: 'accuracy', threshold: 0.7 },
    // A price change is what this model must never miss: monthly_charges drifting is enough on its own.
    drift: { minRows: 30, features: { monthly_charges: { mustWatch: true } } },
    trainer: { estimator: 'gradient_boosting', params: { n_estimators: 100, max_depth: 3 }, seed: 7, validation: { policy: 'random', fraction: 0.2 }, timeoutMinutes: 30 },
    evaluation: { holdoutFraction: 0.3, margin: 0.01 },
    // 100 canary requests are plenty for a 4-feature model; the budget is generous because the demo
    // and the tests share two cores with training (a warm server answers one row in a few ms).
    sandbox: { requests: 100, latencyBudgetMs: 250 },
    ...opts.overrides,
  });
  const steadyConfig = join(dir, 'pipeline-steady.yaml');
  const driftedConfig = join(dir, 'pipeline-drifted.yaml');
  const header = '# driftloop pipeline config (see docs/architecture.md)\n';
  await writeFile(steadyConfig, header + stringify(base('current-steady.csv')));
  await writeFile(driftedConfig, header + stringify(base('current-drifted.csv')));
  return { dir, steadyConfig, driftedConfig };
}
