export { pairedBootstrap, type BootstrapInterval, type BootstrapOptions } from './bootstrap.js';
export { higherIsBetter, improvement } from './direction.js';
export { evaluateGates, type Gate, type GateInput, type MetricPair } from './gates.js';
export { holdoutMetrics } from './holdout-metrics.js';
export { primaryDifference } from './primary-difference.js';
