import type { DriftConfig } from '../config/drift.js';
import type { ColumnDrift, DatasetDrift } from './report.js';

/**
 * The data set drifts when the drifted share of the tested columns reaches
 * `config.share` (Evidently's `share_of_drifted_columns >= drift_share`), or
 * when any must-watch column drifts. `insufficient-data` columns are not
 * tested, so they count neither way — unless the config makes a missing-share
 * jump a drift on its own, in which case such a column was judged (on its
 * missingness) and counts as tested and drifted.
 */
export function datasetDrift(columns: readonly ColumnDrift[], config: DriftConfig, rows: { reference: number; current: number }): DatasetDrift {
  const judged = columns.filter((c) => c.status === 'tested' || c.drifted);
  const drifted = judged.filter((c) => c.drifted);
  const share = judged.length > 0 ? drifted.length / judged.length : 0;
  const mustWatchDrifted = drifted.filter((c) => c.mustWatch).map((c) => c.name);
  return {
    drifted: (judged.length > 0 && share >= config.share) || mustWatchDrifted.length > 0,
    share,
    threshold: config.share,
    driftedColumns: drifted.length,
    testedColumns: judged.length,
    mustWatchDrifted,
    rows,
  };
}
