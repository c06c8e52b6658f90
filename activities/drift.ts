import type { PipelineConfig } from '../config/pipeline.js';
import { readCsv } from '../dataset/csv.js';
import { toFeatureTable } from '../dataset/table.js';
import { ksTwoSample } from '../stats/index.js';
import { asActivity } from './failures.js';
import type { ActivityDeps, VersionRef } from './shared.js';

export interface DriftInput {
  pipeline: PipelineConfig;
  champion: VersionRef;
}

export type FeatureDrift =
  | {
      feature: string;
      status: 'tested';
      method: 'ks';
      statistic: number;
      pValue: number;
      threshold: number;
      drifted: boolean;
      missing: { reference: number; current: number };
    }
  | { feature: string; status: 'insufficient-data' | 'not-tested'; reason: string };

export interface DriftResult {
  detected: boolean;
  drifted: string[];
  rows: { reference: number; current: number };
  features: FeatureDrift[];
}

export function createDrift({ registry }: ActivityDeps) {
  /**
   * Compares the current window with the champion's own training rows (its
   * stored snapshot, not whatever file the config names today).
   */
  return function drift({ pipeline, champion }: DriftInput): Promise<DriftResult> {
    return asActivity(async () => {
      const version = await registry.getVersion(pipeline.model, champion.version);
      const reference = toFeatureTable(await readCsv(await registry.trainingDataPath(version)), pipeline.features);
      const current = toFeatureTable(await readCsv(pipeline.data.current), pipeline.features);
      const { pValue: threshold = 0.05, minRows } = pipeline.drift;
      const features: FeatureDrift[] = pipeline.features.map((f) => {
        if (f.kind !== 'numeric') {
          return { feature: f.name, status: 'not-tested', reason: 'categorical drift tests are not implemented yet' };
        }
        const ref = present(reference.numeric.get(f.name)!);
        const cur = present(current.numeric.get(f.name)!);
        if (ref.values.length < minRows || cur.values.length < minRows) {
          return {
            feature: f.name,
            status: 'insufficient-data',
            reason: `needs ${minRows} non-missing rows in each window; reference has ${ref.values.length}, current ${cur.values.length}`,
          };
        }
        const ks = ksTwoSample(ref.values, cur.values);
        return {
          feature: f.name,
          status: 'tested',
          method: 'ks',
          statistic: ks.statistic,
          pValue: ks.pValue,
          threshold,
          drifted: ks.pValue < threshold,
          missing: { reference: ref.missing, current: cur.missing },
        };
      });
      const drifted = features.filter((f) => f.status === 'tested' && f.drifted).map((f) => f.feature);
      return {
        detected: drifted.length > 0,
        drifted,
        rows: { reference: reference.rows, current: current.rows },
        features,
      };
    });
  };
}

/** The non-missing values and how many were missing (counted, never silently dropped). */
function present(col: Float64Array): { values: Float64Array; missing: number } {
  const values = col.filter((v) => !Number.isNaN(v));
  return { values, missing: col.length - values.length };
}
