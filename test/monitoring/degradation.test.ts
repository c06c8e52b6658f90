import { describe, expect, it } from 'vitest';
import { DegradationRules } from '../../config/pipeline.js';
import { ConfigError } from '../../errors/index.js';
import { evaluateDegradation } from '../../monitoring/degradation.js';
import type { MetricWindow } from '../../registry/types.js';

const window = (over: Partial<MetricWindow> = {}): MetricWindow => ({
  model: 'churn',
  version: 3,
  metric: 'accuracy',
  kind: 'realised',
  windowStart: '2025-03-01T00:00:00.000Z',
  windowEnd: '2025-03-02T00:00:00.000Z',
  value: 0.8,
  reason: null,
  rows: 500,
  labelledRows: 400,
  computedAt: '2025-03-02T00:10:00.000Z',
  ...over,
});

const rules = (r: Partial<DegradationRules> = {}) => DegradationRules.parse({ minLabelledRows: 100, ...r });

describe('evaluateDegradation', () => {
  it('the floor fires when the metric is worse than it: below for accuracy, above for RMSE', () => {
    expect(evaluateDegradation(rules({ floor: 0.85 }), { metric: 'accuracy', validationValue: 0.9, window: window() })).toEqual({
      degraded: true,
      rule: 'floor',
      insufficient: false,
      reason: 'accuracy (realised) of v3 over 2025-03-01T00:00:00.000Z – 2025-03-02T00:00:00.000Z is 0.8, worse than the floor 0.85',
    });
    expect(evaluateDegradation(rules({ floor: 0.8 }), { metric: 'accuracy', validationValue: 0.9, window: window() }).degraded).toBe(false);
    const rmse = window({ metric: 'rmse', value: 12 });
    expect(evaluateDegradation(rules({ floor: 10 }), { metric: 'rmse', validationValue: 9, window: rmse })).toMatchObject({ degraded: true, rule: 'floor' });
    expect(evaluateDegradation(rules({ floor: 15 }), { metric: 'rmse', validationValue: 9, window: rmse })).toMatchObject({ degraded: false, rule: null });
  });

  it('the relative drop fires beyond the allowed share of the validation value, in the worse direction only', () => {
    // 0.8 vs 0.9: 11.1 % worse.
    const acc = { metric: 'accuracy' as const, validationValue: 0.9, window: window() };
    const fired = evaluateDegradation(rules({ maxRelativeDrop: 0.1 }), acc);
    expect(fired).toMatchObject({ degraded: true, rule: 'relative-drop', insufficient: false });
    expect(fired.reason).toMatch(/is 0\.8, 11\.1 % worse than the validation 0\.9 \(more than 10\.0 %\)/);
    expect(evaluateDegradation(rules({ maxRelativeDrop: 0.12 }), acc)).toMatchObject({ degraded: false, rule: null });
    // Better than validation never fires.
    expect(evaluateDegradation(rules({ maxRelativeDrop: 0.01 }), { ...acc, validationValue: 0.7 }).reason).toMatch(/not worse than the validation 0\.7/);
    // Lower is better for MAE: 12 vs 10 is 20 % worse.
    const mae = { metric: 'mae' as const, validationValue: 10, window: window({ metric: 'mae', value: 12 }) };
    expect(evaluateDegradation(rules({ maxRelativeDrop: 0.15 }), mae)).toMatchObject({ degraded: true, rule: 'relative-drop' });
    expect(evaluateDegradation(rules({ maxRelativeDrop: 0.25 }), mae)).toMatchObject({ degraded: false });
    // R² can be negative: the drop is relative to |validation|.
    const r2 = { metric: 'r2' as const, validationValue: -0.5, window: window({ metric: 'r2', value: -0.8 }) };
    expect(evaluateDegradation(rules({ maxRelativeDrop: 0.5 }), r2)).toMatchObject({ degraded: true, rule: 'relative-drop' });
  });

  it('the floor is judged first; without a validation value the relative rule is skipped and says so', () => {
    expect(evaluateDegradation(rules({ floor: 0.85, maxRelativeDrop: 0.05 }), { metric: 'accuracy', validationValue: 0.9, window: window() }).rule).toBe('floor');
    const skipped = evaluateDegradation(rules({ maxRelativeDrop: 0.05 }), { metric: 'accuracy', validationValue: null, window: window() });
    expect(skipped).toMatchObject({ degraded: false, insufficient: false });
    expect(skipped.reason).toMatch(/no validation value to compare with/);
    expect(evaluateDegradation(rules(), { metric: 'accuracy', validationValue: 0.9, window: window() }).reason).toMatch(/no floor or relative-drop rule/);
  });

  it('no rule fires below minLabelledRows, or on a window without a value: insufficient, with the reason', () => {
    const few = evaluateDegradation(rules({ floor: 0.99, minLabelledRows: 401 }), { metric: 'accuracy', validationValue: 0.9, window: window() });
    expect(few).toEqual({
      degraded: false,
      rule: null,
      insufficient: true,
      reason: 'accuracy (realised) of v3 over 2025-03-01T00:00:00.000Z – 2025-03-02T00:00:00.000Z: 400 labelled rows, fewer than the 401 a rule needs',
    });
    expect(evaluateDegradation(rules({ floor: 0.99, minLabelledRows: 400 }), { metric: 'accuracy', validationValue: 0.9, window: window() }).degraded).toBe(true);
    const none = evaluateDegradation(rules({ floor: 0.99 }), {
      metric: 'accuracy',
      validationValue: 0.9,
      window: window({ value: null, reason: 'no labelled rows' }),
    });
    expect(none).toMatchObject({ degraded: false, insufficient: true });
    expect(none.reason).toMatch(/has no value: no labelled rows/);
  });

  it('an estimated (CBPE) window needs no labels: the minimum counts the rows it was estimated from', () => {
    const est = window({ kind: 'estimated', labelledRows: 0, rows: 500, value: 0.7 });
    expect(evaluateDegradation(rules({ floor: 0.75, minLabelledRows: 100 }), { metric: 'accuracy', validationValue: 0.9, window: est })).toMatchObject({
      degraded: true,
      rule: 'floor',
    });
    expect(evaluateDegradation(rules({ floor: 0.75, minLabelledRows: 501 }), { metric: 'accuracy', validationValue: 0.9, window: est }).reason).toMatch(
      /500 rows, fewer than the 501/,
    );
  });

  it('refuses a window of another metric', () => {
    expect(() => evaluateDegradation(rules(), { metric: 'f1', validationValue: 0.9, window: window() })).toThrow(ConfigError);
  });
});
