import { z } from 'zod';
import { DriftMethod } from '../config/drift.js';

/**
 * The drift report: the stable JSON of `driftloop drift --format json`, what
 * the drift stage stores, and what the HTML report renders. Fields may be
 * added; none is renamed or removed without a new `version`.
 */

const Count = z.number().int().min(0);
const Share = z.number().min(0).max(1);

/** Shares of each window's non-missing rows, on one binning shared by both windows. */
export const ColumnDistribution = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('histogram'),
    /** bins + 1 ascending edges; the last bin is closed on the right (as numpy.histogram). */
    edges: z.array(z.number()),
    reference: z.array(Share),
    current: z.array(Share),
  }),
  z.strictObject({
    kind: z.literal('categories'),
    /** The most frequent categories of both windows; the rest are summed into `other`. */
    categories: z.array(z.string()),
    reference: z.array(Share),
    current: z.array(Share),
    other: z.strictObject({ reference: Share, current: Share }),
  }),
]);
export type ColumnDistribution = z.infer<typeof ColumnDistribution>;

export const ColumnDrift = z.strictObject({
  name: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  /** The method applied (null only when the column could not be tested at all). */
  method: DriftMethod.nullable(),
  status: z.enum(['tested', 'insufficient-data']),
  /** Why a column is `insufficient-data` (or a note on a tested one, e.g. a constant column). */
  reason: z.string().optional(),
  /** ks: D; chisquare: χ²; ztest: z; wasserstein: distance / reference std; jensenshannon: distance (natural log); psi: PSI. */
  statistic: z.number().nullable(),
  /** Null where the method has none (distances) or the column was not tested. */
  pValue: z.number().min(0).max(1).nullable(),
  threshold: z.number().nullable(),
  drifted: z.boolean(),
  mustWatch: z.boolean(),
  /** Non-missing rows each window contributed. */
  rows: z.strictObject({ reference: Count, current: Count }),
  /** Missing values counted per window (never dropped silently). */
  missing: z.strictObject({ reference: Count, current: Count }),
  /** The current missing share exceeds the reference's by at least `missingShareIncrease`. */
  missingJump: z.boolean(),
  distribution: ColumnDistribution.optional(),
});
export type ColumnDrift = z.infer<typeof ColumnDrift>;

export const DatasetDrift = z.strictObject({
  drifted: z.boolean(),
  /** Share of the tested columns that drifted. */
  share: Share,
  /** The data set drifts when `share` ≥ this (or a must-watch column drifts). */
  threshold: Share,
  driftedColumns: Count,
  testedColumns: Count,
  /** Drifted must-watch columns (each enough on its own). */
  mustWatchDrifted: z.array(z.string()),
  rows: z.strictObject({ reference: Count, current: Count }),
});
export type DatasetDrift = z.infer<typeof DatasetDrift>;

export const DriftReport = z.strictObject({
  version: z.literal(1),
  dataset: DatasetDrift,
  columns: z.array(ColumnDrift),
});
export type DriftReport = z.infer<typeof DriftReport>;
