import type { DriftConfig } from '../config/drift.js';

/** What `computeDriftReport` is asked to do. */
export interface DriftOptions {
  /** The `drift` section of the pipeline config (already parsed: defaults applied). */
  config: DriftConfig;
  /** The columns to check, in report order; default: every column present in both windows (reference order). */
  columns?: readonly string[];
  /** Whether each column carries a `distribution` for the charts; default true. */
  distributions?: boolean;
}
