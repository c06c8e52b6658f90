import { METRIC_DIRECTION, MetricName, worseThan, type DegradationRules } from '../config/pipeline.js';
import { ConfigError } from '../errors/index.js';
import type { MetricWindow } from '../registry/types.js';

export interface DegradationVerdict {
  degraded: boolean;
  /** The rule that fired (the floor first when both would). */
  rule: 'floor' | 'relative-drop' | null;
  reason: string;
  /** True when no rule could be judged: too few rows, or no value on the window. */
  insufficient: boolean;
}

export interface DegradationInput {
  metric: MetricName;
  /** The version's validation value of `metric` (its model card's `metrics[metric]`); null/undefined skips the relative rule. */
  validationValue: number | null | undefined;
  window: MetricWindow;
}

/**
 * Judges one metric window against the pipeline's degradation rules:
 * `floor` fires when the value is worse than the floor (below it for
 * accuracy/F1/R², above it for RMSE/MAE); `maxRelativeDrop` fires when the
 * value is worse than the validation value by more than that share of it,
 * |value − validation| / |validation| in the worse direction. No rule fires
 * on fewer than `minLabelledRows` rows: labelled rows for a realised window,
 * and for an estimated (CBPE) window, which needs no labels, the rows it was
 * estimated from.
 */
export function evaluateDegradation(rules: DegradationRules, input: DegradationInput): DegradationVerdict {
  const metric = MetricName.parse(input.metric);
  const w = input.window;
  if (w.metric !== metric) {
    throw new ConfigError(`the window is of metric "${w.metric}", not "${metric}"`, { field: 'metric' });
  }
  const label = `${metric} (${w.kind}) of v${w.version} over ${w.windowStart} – ${w.windowEnd}`;
  const counted = w.kind === 'realised' ? w.labelledRows : w.rows;
  const what = w.kind === 'realised' ? 'labelled rows' : 'rows';
  if (counted < rules.minLabelledRows) {
    return insufficient(`${label}: ${counted} ${what}, fewer than the ${rules.minLabelledRows} a rule needs`);
  }
  if (w.value === null) return insufficient(`${label} has no value: ${w.reason ?? 'undefined on this window'}`);
  const value = w.value;
  const notes: string[] = [];
  if (rules.floor !== undefined) {
    if (worseThan(metric, value, rules.floor)) {
      return { degraded: true, rule: 'floor', insufficient: false, reason: `${label} is ${fmt(value)}, worse than the floor ${fmt(rules.floor)}` };
    }
    notes.push(`not worse than the floor ${fmt(rules.floor)}`);
  }
  if (rules.maxRelativeDrop !== undefined) {
    const v = input.validationValue;
    if (v === null || v === undefined || !Number.isFinite(v)) {
      notes.push('no validation value to compare with');
    } else if (v === 0) {
      notes.push('a validation value of 0 has no relative drop');
    } else {
      const worse = METRIC_DIRECTION[metric] === 'higher' ? v - value : value - v;
      const drop = worse / Math.abs(v);
      const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
      if (drop > rules.maxRelativeDrop) {
        return {
          degraded: true,
          rule: 'relative-drop',
          insufficient: false,
          reason: `${label} is ${fmt(value)}, ${pct(drop)} worse than the validation ${fmt(v)} (more than ${pct(rules.maxRelativeDrop)})`,
        };
      }
      notes.push(drop > 0 ? `${pct(drop)} worse than the validation ${fmt(v)}, within ${pct(rules.maxRelativeDrop)}` : `not worse than the validation ${fmt(v)}`);
    }
  }
  if (notes.length === 0) notes.push('no floor or relative-drop rule is configured');
  return { degraded: false, rule: null, insufficient: false, reason: `${label} is ${fmt(value)}: ${notes.join('; ')}` };
}

function insufficient(reason: string): DegradationVerdict {
  return { degraded: false, rule: null, reason, insufficient: true };
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
