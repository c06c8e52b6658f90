import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { PipelineConfigInput } from '../config/pipeline.js';
import { writeCsv } from '../dataset/csv.js';
import { generateChurn, SYNTHETIC_FEATURES, SYNTHETIC_HEADER } from '../dataset/synthetic.js';

/**
 * The demo's simulated world: a churn model's customers, day by day, with the
 * drift of dataset/synthetic.ts (prices up, churn drivers changed) from
 * `driftDay` on. docs/demo.md tells the story.
 */
export interface WorldOptions {
  days: number;
  /** First drifted day (1-based). */
  driftDay: number;
  requestsPerDay: number;
  /** Wall-clock seconds one simulated day lasts. */
  daySeconds: number;
}

export const DEMO_MODEL = 'churn';
export const DEMO_TARGET = 'churned';

/** One customer the serving API is asked about, and what they did (the label that arrives a day later). */
export interface Customer {
  features: Record<string, number | string>;
  label: number;
}

/**
 * The customers of one simulated day (deterministic: the same demo every
 * time): `requestsPerDay` of them, and nine times as many in reserve for a
 * day that runs over while the night's pass still works.
 */
export function customersOfDay(day: number, world: WorldOptions): Customer[] {
  const rows = generateChurn({ rows: 10 * world.requestsPerDay, seed: 1000 + day, drifted: day >= world.driftDay });
  return rows.map((row) => {
    const features: Record<string, number | string> = {};
    SYNTHETIC_FEATURES.forEach((f, i) => (features[f.name] = f.kind === 'numeric' ? Number(row[i]) : row[i]!));
    return { features, label: Number(row[SYNTHETIC_HEADER.indexOf(DEMO_TARGET)]) };
  });
}

export interface DemoProject {
  dir: string;
  config: string;
  /** Rewritten before each pass with the labelled traffic of the day before (what a retrain learns from). */
  current: string;
}

/**
 * Writes the reference data (what the first version is trained on) and the
 * pipeline config: monitor and drift read the prediction log of the last two
 * simulated days (the served traffic, labelled where feedback arrived); a
 * retrain learns from `current.csv`, the labelled rows of the day before.
 */
export async function writeDemoProject(dir: string, world: WorldOptions): Promise<DemoProject> {
  await mkdir(dir, { recursive: true });
  const reference = generateChurn({ rows: 2000, seed: 1 });
  await writeCsv(join(dir, 'reference.csv'), SYNTHETIC_HEADER, reference);
  // Until the first day's labels arrive, the newest labelled data is the reference itself.
  await writeCsv(join(dir, 'current.csv'), SYNTHETIC_HEADER, reference);
  const config: PipelineConfigInput = {
    model: DEMO_MODEL,
    task: 'binary',
    target: DEMO_TARGET,
    features: SYNTHETIC_FEATURES.map((f) => ({ ...f })),
    data: { reference: 'reference.csv', current: 'current.csv' },
    monitor: {
      metric: 'accuracy',
      threshold: 0.65,
      // Yesterday (labelled by now) and today (not yet): two simulated days of wall-clock time. The demo
      // re-points the schedule at exactly those two days each night, as passes make its days uneven.
      window: { kind: 'prediction-log', hours: (2 * world.daySeconds) / 3600 },
    },
    // A price change is what this model must never miss: monthly_charges drifting is enough on its own.
    // Threshold 0.3 (a third of a standard deviation): at a few hundred customers a day, Evidently's 0.1
    // is within the day-to-day noise of this data set; the drift moves it by 1.5 standard deviations.
    drift: { minRows: 30, features: { monthly_charges: { mustWatch: true, method: 'wasserstein', threshold: 0.3 } } },
    trainer: { estimator: 'gradient_boosting', params: { n_estimators: 100, max_depth: 3 }, seed: 7, validation: { policy: 'random', fraction: 0.2 }, timeoutMinutes: 10 },
    // A candidate must beat the champion by 5 points on the held-out 40% of yesterday's labelled traffic
    // (~160 rows): at that size a smaller margin is often cleared by chance alone.
    evaluation: { holdoutFraction: 0.4, margin: 0.05, minHoldoutRows: 100 },
    // The budget is generous because the demo shares two cores with training and live traffic.
    sandbox: { requests: 100, latencyBudgetMs: 250 },
  };
  const file = join(dir, 'pipeline.yaml');
  await writeFile(file, '# the demo\'s pipeline config (see docs/demo.md and docs/architecture.md)\n' + stringify(config));
  return { dir, config: file, current: join(dir, 'current.csv') };
}
