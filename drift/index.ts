/** The drift engine: per-column drift tests and the data set's verdict (docs/drift.md). */
export { computeDriftReport, computeDriftReports } from './compute.js';
export { computeDriftReportParallel, computeDriftReportsParallel, closeDriftWorkers, type ParallelOptions } from './parallel.js';
export type { DriftOptions } from './options.js';
export { defaultMethod } from './default-method.js';
export { DriftReport, ColumnDrift, DatasetDrift, ColumnDistribution } from './report.js';
