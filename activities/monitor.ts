import { primaryMetric, worseThan, type DegradationRules, type MetricName, type PipelineConfig } from '../config/pipeline.js';
import { toLabelledTable } from '../dataset/table.js';
import { readPipelineWindow } from '../dataset/window.js';
import { score } from '../metrics/index.js';
import { computeMetricWindows, evaluateDegradation, type DegradationVerdict } from '../monitoring/index.js';
import type { MetricWindow } from '../registry/types.js';
import { asActivity } from './failures.js';
import { loadVersion, refOf, type ActivityDeps, type VersionRef } from './shared.js';

export interface MonitorInput {
  pipeline: PipelineConfig;
}

export type MonitorResult =
  | { status: 'no-champion' }
  | {
      status: 'measured';
      champion: VersionRef;
      metric: MetricName;
      /** The champion's metric on the window's labelled rows; null when none is labelled yet. */
      value: number | null;
      threshold: number | null;
      belowThreshold: boolean;
      /** Labelled rows the value was measured on. */
      rows: number;
      /** Rows in the window, labelled or not. */
      windowRows: number;
      /** Where the window came from. */
      window: string;
      /** The `monitor.degradation` rules' verdict (null when none are configured). */
      degradation: (DegradationVerdict & { measured: Pick<MetricWindow, 'kind' | 'value' | 'windowStart' | 'windowEnd' | 'labelledRows' | 'rows'> | null }) | null;
    };

export function createMonitor({ registry }: ActivityDeps) {
  /**
   * The champion's primary metric on the labelled rows of the current window,
   * recorded as a point of the model's metric history, and judged against
   * the threshold and the degradation rules.
   */
  return function monitor({ pipeline }: MonitorInput): Promise<MonitorResult> {
    return asActivity(async () => {
      const championVersion = await registry.resolveAlias(pipeline.model, 'champion');
      if (!championVersion) return { status: 'no-champion' };
      const champion = refOf(championVersion);
      const metric = primaryMetric(pipeline);
      const now = new Date();
      const source = pipeline.monitor.window;
      const table = await readPipelineWindow(pipeline, registry, { now });
      const targetIdx = table.header.indexOf(pipeline.target);
      // Unlabelled rows (predictions whose feedback has not arrived) are not errors here: they are simply not scored.
      const labelled = targetIdx < 0 ? [] : table.rows.flatMap((row, i) => ((row[targetIdx] ?? '').trim() === '' ? [] : [i]));
      let value: number | null = null;
      if (labelled.length > 0 || targetIdx < 0) {
        const keep = new Uint8Array(table.rows.length);
        for (const i of labelled) keep[i] = 1;
        const model = await loadVersion(registry, pipeline.model, champion);
        try {
          // A window without the target column at all is a data error, raised here with the column named.
          const window = toLabelledTable(table, model.features, pipeline.target, (i) => keep[i] === 1);
          value = score(metric, window.labels, await model.predict(window));
        } finally {
          await model.release();
        }
      }
      const rules = pipeline.monitor.degradation;
      const windowHours = rules?.windowHours ?? 24;
      const point: MetricWindow = {
        model: pipeline.model,
        version: champion.version,
        metric,
        kind: 'realised',
        windowStart: new Date(now.getTime() - windowHours * 3_600_000).toISOString(),
        windowEnd: now.toISOString(),
        value,
        reason: value === null ? 'no labelled rows in the window' : null,
        rows: table.rows.length,
        labelledRows: labelled.length,
        computedAt: now.toISOString(),
      };
      let judged: MetricWindow | null = point;
      if (source?.kind === 'prediction-log') {
        // The log keeps its own fixed grid of windows (realised and, for classifiers, estimated); the newest judges.
        const windows = await computeMetricWindows(registry, {
          model: pipeline.model,
          task: pipeline.task,
          since: new Date(now.getTime() - windowHours * 3_600_000).toISOString(),
          until: now.toISOString(),
          windowHours,
          versions: [champion.version],
          now,
        });
        judged = latestJudgeable(windows, metric, rules?.minLabelledRows ?? 1);
      } else {
        // File and query windows become one point of the model's metric history per pass.
        await registry.saveMetricWindows([point]);
      }
      const threshold = pipeline.monitor.threshold ?? null;
      return {
        status: 'measured',
        champion,
        metric,
        value,
        threshold,
        belowThreshold: value !== null && threshold !== null && worseThan(metric, value, threshold),
        rows: labelled.length,
        windowRows: table.rows.length,
        window: table.description,
        degradation: rules ? judge(rules, metric, championVersion.card.metrics[metric], judged, `no ${metric} window of v${champion.version} in the last ${windowHours} h`) : null,
      };
    });
  };
}

/**
 * The newest window of the metric: realised when it has enough labels,
 * otherwise the label-free estimate, otherwise whatever there is (which the
 * rules then report as insufficient).
 */
function latestJudgeable(windows: readonly MetricWindow[], metric: string, minLabelled: number): MetricWindow | null {
  const ofMetric = windows.filter((w) => w.metric === metric).sort((a, b) => Date.parse(b.windowStart) - Date.parse(a.windowStart));
  const newest = ofMetric[0];
  if (!newest) return null;
  const same = ofMetric.filter((w) => w.windowStart === newest.windowStart);
  const realised = same.find((w) => w.kind === 'realised');
  if (realised && realised.labelledRows >= minLabelled) return realised;
  return same.find((w) => w.kind === 'estimated') ?? realised ?? newest;
}

type Degradation = NonNullable<Extract<MonitorResult, { status: 'measured' }>['degradation']>;

function judge(rules: DegradationRules, metric: MetricName, validationValue: number | null | undefined, window: MetricWindow | null, none: string): Degradation {
  if (!window) return { degraded: false, rule: null, insufficient: true, reason: none, measured: null };
  return { ...evaluateDegradation(rules, { metric, validationValue, window }), measured: pick(window) };
}

function pick(w: MetricWindow) {
  return { kind: w.kind, value: w.value, windowStart: w.windowStart, windowEnd: w.windowEnd, labelledRows: w.labelledRows, rows: w.rows };
}
