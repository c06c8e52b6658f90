import { primaryMetric, worseThan, type MetricName, type PipelineConfig } from '../config/pipeline.js';
import { readCsv } from '../dataset/csv.js';
import { toLabelledTable } from '../dataset/table.js';
import { score } from '../metrics/index.js';
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
      value: number;
      threshold: number | null;
      belowThreshold: boolean;
      rows: number;
    };

export function createMonitor({ registry }: ActivityDeps) {
  /** The champion's primary metric on the newest labelled window. */
  return function monitor({ pipeline }: MonitorInput): Promise<MonitorResult> {
    return asActivity(async () => {
      const champion = await registry.resolveAlias(pipeline.model, 'champion');
      if (!champion) return { status: 'no-champion' };
      const model = await loadVersion(registry, pipeline.model, refOf(champion));
      try {
        const window = toLabelledTable(await readCsv(pipeline.data.current), model.features, pipeline.target);
        const metric = primaryMetric(pipeline);
        const value = score(metric, window.labels, await model.predict(window));
        const threshold = pipeline.monitor.threshold ?? null;
        return {
          status: 'measured',
          champion: refOf(champion),
          metric,
          value,
          threshold,
          belowThreshold: threshold !== null && worseThan(metric, value, threshold),
          rows: window.rows,
        };
      } finally {
        await model.release();
      }
    });
  };
}
