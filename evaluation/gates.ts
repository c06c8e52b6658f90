import type { EvaluationConfig } from '../config/evaluation.js';
import type { BootstrapInterval } from './bootstrap.js';
import { higherIsBetter, improvement } from './direction.js';

/** One gate's verdict: `detail` says what was measured against what, in words. */
export interface Gate {
  name: string;
  passed: boolean;
  detail: string;
}

/** A metric of both models on the holdout rows; null when undefined there (e.g. ROC AUC with one class present). */
export interface MetricPair {
  name: string;
  candidate: number | null;
  champion: number | null;
}

export interface GateInput {
  config: EvaluationConfig;
  holdoutRows: number;
  primary: { name: string; candidate: number; champion: number };
  metrics: readonly MetricPair[];
  /** The paired bootstrap interval of the primary metric's improvement, when the config asks for one. */
  bootstrap?: BootstrapInterval;
}

const f = (x: number) => Number(x.toFixed(4)).toString();

/**
 * Every gate the candidate must pass to be promoted, in a fixed order: the
 * holdout size, the primary metric's margin, the bootstrap interval (when
 * configured), each floor, each maximum regression. A gate on a metric that
 * could not be computed fails: promoting on a figure nobody measured is what
 * gates exist to prevent.
 */
export function evaluateGates({ config, holdoutRows, primary, metrics, bootstrap }: GateInput): Gate[] {
  const gates: Gate[] = [];
  gates.push({
    name: 'min-holdout',
    passed: holdoutRows >= config.minHoldoutRows,
    detail: `${holdoutRows} holdout rows ${holdoutRows >= config.minHoldoutRows ? '≥' : '<'} the minimum ${config.minHoldoutRows}`,
  });
  const gain = improvement(primary.name, primary.candidate, primary.champion);
  gates.push({
    name: 'margin',
    passed: gain >= config.margin,
    detail: `${primary.name} candidate ${f(primary.candidate)} vs champion ${f(primary.champion)}: improvement ${f(gain)} ${gain >= config.margin ? '≥' : '<'} margin ${config.margin}`,
  });
  if (bootstrap) {
    const pct = Math.round(bootstrap.confidence * 1000) / 10;
    gates.push({
      name: 'bootstrap',
      passed: bootstrap.lower >= config.margin,
      detail: `${pct}% CI of the ${primary.name} improvement [${f(bootstrap.lower)}, ${f(bootstrap.upper)}] (${bootstrap.iterations} resamples): lower bound ${bootstrap.lower >= config.margin ? '≥' : '<'} margin ${config.margin}`,
    });
  }
  const byName = new Map(metrics.map((m) => [m.name, m]));
  for (const [name, floor] of Object.entries(config.floors)) {
    const value = byName.get(name)?.candidate ?? null;
    const higher = higherIsBetter(name);
    const passed = value !== null && (higher ? value >= floor : value <= floor);
    gates.push({
      name: `floor:${name}`,
      passed,
      detail:
        value === null
          ? `candidate ${name} could not be computed on the holdout rows`
          : `candidate ${name} ${f(value)} ${passed ? (higher ? '≥' : '≤') : higher ? '<' : '>'} ${higher ? 'floor' : 'ceiling'} ${floor}`,
    });
  }
  for (const [name, allowed] of Object.entries(config.maxRegression)) {
    const pair = byName.get(name);
    if (!pair || pair.candidate === null || pair.champion === null) {
      gates.push({ name: `max-regression:${name}`, passed: false, detail: `${name} could not be computed for both models on the holdout rows` });
      continue;
    }
    const regression = -improvement(name, pair.candidate, pair.champion);
    // A tolerance of a few ulps: "worse by exactly the allowance" passes despite float rounding of the difference.
    const passed = regression <= allowed + 1e-12;
    gates.push({
      name: `max-regression:${name}`,
      passed,
      detail: `${name} candidate ${f(pair.candidate)} vs champion ${f(pair.champion)}: ${regression > 0 ? `worse by ${f(regression)}` : 'not worse'} ${passed ? '≤' : '>'} allowed ${allowed}`,
    });
  }
  return gates;
}
