/** Metrics where a smaller value is better (errors and losses); every other gate metric is better when larger. */
const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'mape', 'logLoss', 'ece']);

export function higherIsBetter(metric: string): boolean {
  return !LOWER_IS_BETTER.has(metric);
}

/** How much better `candidate` is than `champion` on `metric`: positive means better, whichever way the metric points. */
export function improvement(metric: string, candidate: number, champion: number): number {
  return higherIsBetter(metric) ? candidate - champion : champion - candidate;
}
