import type { MetricPoint, MetricSeries, Promotion } from './run-data.js';

/**
 * What the browser script draws per metric: one line per version (realised;
 * estimated values as a separate dashed line), and the promotions as markers.
 * A version keeps its colour across every metric's chart.
 */
export interface MetricChartData {
  metric: string;
  lines: { label: string; version: number; estimated: boolean; colorIndex: number; points: MetricPoint[] }[];
  promotions: Promotion[];
}

export function metricChartData(series: readonly MetricSeries[], promotions: readonly Promotion[]): MetricChartData[] {
  const versions = [...new Set(series.map((s) => s.version))].sort((a, b) => a - b);
  const byMetric = new Map<string, MetricSeries[]>();
  for (const s of series) byMetric.set(s.metric, [...(byMetric.get(s.metric) ?? []), s]);
  const sortedPromotions = [...promotions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return [...byMetric].map(([metric, ofMetric]) => {
    const lines: MetricChartData['lines'] = [];
    for (const version of versions) {
      // Several series of one version and metric (e.g. from two stores) are one line.
      const points = ofMetric.filter((s) => s.version === version).flatMap((s) => s.points);
      const byEnd = (a: MetricPoint, b: MetricPoint) => Date.parse(a.windowEnd) - Date.parse(b.windowEnd);
      const realised = points.filter((p) => p.estimated !== true).sort(byEnd);
      const estimated = points.filter((p) => p.estimated === true).sort(byEnd);
      const colorIndex = versions.indexOf(version);
      if (realised.length) lines.push({ label: `v${version}`, version, estimated: false, colorIndex, points: realised });
      if (estimated.length) lines.push({ label: `v${version} (estimated)`, version, estimated: true, colorIndex, points: estimated });
    }
    return { metric, lines, promotions: sortedPromotions };
  });
}
