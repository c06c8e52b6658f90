import { describe, expect, it } from 'vitest';
import { EvaluationConfig } from '../../config/evaluation.js';
import { evaluateGates, type GateInput } from '../../evaluation/index.js';

const config = (c: Record<string, unknown> = {}) => EvaluationConfig.parse(c);
const base = (over: Partial<GateInput> = {}): GateInput => ({
  config: config(),
  holdoutRows: 600,
  primary: { name: 'accuracy', candidate: 0.82, champion: 0.8 },
  metrics: [
    { name: 'accuracy', candidate: 0.82, champion: 0.8 },
    { name: 'f1', candidate: 0.55, champion: 0.6 },
    { name: 'rocAuc', candidate: 0.9, champion: 0.88 },
    { name: 'logLoss', candidate: 0.42, champion: 0.4 },
    { name: 'ece', candidate: null, champion: null },
  ],
  ...over,
});
const gate = (gates: ReturnType<typeof evaluateGates>, name: string) => gates.find((g) => g.name === name);

describe('evaluation gates', () => {
  it('with the defaults: min holdout and margin, both passing for a better candidate', () => {
    const gates = evaluateGates(base());
    expect(gates.map((g) => g.name)).toEqual(['min-holdout', 'margin']);
    expect(gates.every((g) => g.passed)).toBe(true);
  });

  it('margin: a candidate better by less than the margin fails, oriented for lower-is-better metrics', () => {
    expect(gate(evaluateGates(base({ primary: { name: 'accuracy', candidate: 0.805, champion: 0.8 } })), 'margin')).toMatchObject({ passed: false });
    const rmse = (candidate: number) => gate(evaluateGates(base({ primary: { name: 'rmse', candidate, champion: 2 } })), 'margin')!.passed;
    expect(rmse(1.9)).toBe(true);
    expect(rmse(2.1)).toBe(false);
  });

  it('min holdout: fewer rows than the minimum fails and says so', () => {
    const g = gate(evaluateGates(base({ holdoutRows: 40, config: config({ minHoldoutRows: 100 }) })), 'min-holdout');
    expect(g).toEqual({ name: 'min-holdout', passed: false, detail: '40 holdout rows < the minimum 100' });
    expect(gate(evaluateGates(base({ holdoutRows: 100, config: config({ minHoldoutRows: 100 }) })), 'min-holdout')!.passed).toBe(true);
  });

  it('floors: higher-is-better metrics must reach the floor, lower-is-better stay under it; an uncomputed metric fails', () => {
    const gates = evaluateGates(base({ config: config({ floors: { f1: 0.6, rocAuc: 0.85, logLoss: 0.5, ece: 0.1 } }) }));
    expect(gate(gates, 'floor:f1')).toEqual({ name: 'floor:f1', passed: false, detail: 'candidate f1 0.55 < floor 0.6' });
    expect(gate(gates, 'floor:rocAuc')!.passed).toBe(true);
    expect(gate(gates, 'floor:logLoss')).toEqual({ name: 'floor:logLoss', passed: true, detail: 'candidate logLoss 0.42 ≤ ceiling 0.5' });
    expect(gate(gates, 'floor:ece')).toMatchObject({ passed: false, detail: 'candidate ece could not be computed on the holdout rows' });
  });

  it('max regression: worse than the champion by more than allowed fails; by exactly the allowance passes', () => {
    const gates = evaluateGates(base({ config: config({ maxRegression: { f1: 0.02, logLoss: 0.02, rocAuc: 0 } }) }));
    expect(gate(gates, 'max-regression:f1')).toMatchObject({ passed: false, detail: 'f1 candidate 0.55 vs champion 0.6: worse by 0.05 > allowed 0.02' });
    expect(gate(gates, 'max-regression:logLoss')).toMatchObject({ passed: true });
    expect(gate(gates, 'max-regression:rocAuc')).toMatchObject({ passed: true, detail: expect.stringContaining('not worse') });
  });

  it('bootstrap: passes only when the lower bound clears the margin', () => {
    const ci = { upper: 0.05, confidence: 0.95, iterations: 1000 };
    const cfg = config({ margin: 0.01, bootstrap: {} });
    expect(gate(evaluateGates(base({ config: cfg, bootstrap: { ...ci, lower: 0.012 } })), 'bootstrap')!.passed).toBe(true);
    const failed = gate(evaluateGates(base({ config: cfg, bootstrap: { ...ci, lower: -0.004 } })), 'bootstrap');
    expect(failed).toEqual({ name: 'bootstrap', passed: false, detail: '95% CI of the accuracy improvement [-0.004, 0.05] (1000 resamples): lower bound < margin 0.01' });
  });
});
