import { describe, expect, it } from 'vitest';
import { EvaluationConfig } from '../../config/evaluation.js';
import { PipelineConfig, type PipelineConfigInput } from '../../config/pipeline.js';

const pipeline = (task: 'binary' | 'regression', evaluation: unknown): PipelineConfigInput =>
  ({
    model: 'm',
    task,
    target: 'y',
    features: [{ name: 'x', kind: 'numeric' }],
    data: { reference: '/r.csv', current: '/c.csv' },
    trainer: {},
    evaluation,
  }) as PipelineConfigInput;

const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('evaluation config', () => {
  it('keeps the old fields with their defaults and adds the gates with theirs (bootstrap off)', () => {
    expect(EvaluationConfig.parse({})).toEqual({ holdoutFraction: 0.3, margin: 0.01, minHoldoutRows: 100, floors: {}, maxRegression: {} });
    expect(PipelineConfig.parse(pipeline('binary', undefined)).evaluation).toEqual({ holdoutFraction: 0.3, margin: 0.01, minHoldoutRows: 100, floors: {}, maxRegression: {} });
    expect(EvaluationConfig.parse({ bootstrap: {} }).bootstrap).toEqual({ iterations: 1000, confidence: 0.95, seed: 42 });
  });

  it('names an unknown metric and its field', () => {
    expect(messages(EvaluationConfig.safeParse({ floors: { auc: 0.7 } }))).toEqual([expect.stringMatching(/^floors\.auc: unknown metric "auc"; one of accuracy, /)]);
  });

  it('rejects a metric that does not fit the task, at its path', () => {
    expect(messages(PipelineConfig.safeParse(pipeline('regression', { floors: { rocAuc: 0.7 } })))).toEqual([
      'evaluation.floors.rocAuc: metric "rocAuc" does not apply to a regression task',
    ]);
    expect(messages(PipelineConfig.safeParse(pipeline('binary', { maxRegression: { rmse: 0.1 } })))).toEqual([
      'evaluation.maxRegression.rmse: metric "rmse" does not apply to a binary task',
    ]);
    expect(PipelineConfig.safeParse(pipeline('binary', { floors: { f1: 0.6, rocAuc: 0.7 }, maxRegression: { logLoss: 0.05 } })).success).toBe(true);
  });

  it('rejects bad values with the field named', () => {
    expect(messages(EvaluationConfig.safeParse({ maxRegression: { f1: -0.1 } }))[0]).toMatch(/^maxRegression\.f1: /);
    expect(messages(EvaluationConfig.safeParse({ minHoldoutRows: 0 }))[0]).toMatch(/^minHoldoutRows: /);
    expect(messages(EvaluationConfig.safeParse({ bootstrap: { confidence: 1.2 } }))[0]).toMatch(/^bootstrap\.confidence: /);
    expect(messages(EvaluationConfig.safeParse({ bootstrap: { iterations: 10 } }))[0]).toMatch(/^bootstrap\.iterations: /);
    expect(messages(EvaluationConfig.safeParse({ gates: {} }))[0]).toMatch(/gates/);
  });
});
