/** The HTML reports people look at: drift checks, pipeline runs, and the dashboard listing them. */
export { renderDriftReportHtml, DriftReportMeta } from './drift-html.js';
export { renderRunReportHtml } from './run-html.js';
export { renderDashboardHtml, type DashboardOptions } from './dashboard-html.js';
export {
  RunReportData,
  MetricSeries,
  MetricPoint,
  Promotion,
  CandidateComparison,
  RunDecision,
  promotionsFromAliasHistory,
  metricSeriesFromWindows,
  type MetricWindowLike,
  type ParsedRunReportData,
} from './run-data.js';
export { DashboardModel, ReportLink, ReportKind } from './dashboard-data.js';
export { ReportFiles, ReportFileMeta, parseReportId, type SaveReportInput } from './file-store.js';
export { reportSource, type ReportSource, type ReportSourceOptions } from './source.js';
