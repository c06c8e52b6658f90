export { ESTIMATED_METRICS, estimatePerformance } from './cbpe.js';
export { computeMetricWindows, type ComputeMetricWindowsOptions, type MetricWindowStore } from './compute-windows.js';
export { evaluateDegradation, type DegradationInput, type DegradationVerdict } from './degradation.js';
export { metricsFromFile, PROBABILITY_PREFIX, type FileMetrics, type FileMetricsOptions } from './file-metrics.js';
export { ClassifierObservations, RegressorObservations, type ClassifierRow } from './observations.js';
export { windowGrid, windowStartOf, type WindowGrid } from './window-grid.js';
