import { driftSectionHtml } from './drift-section.js';
import { attr, formatNumber, metaLine, text } from './html.js';
import { metricChartData } from './metric-charts.js';
import { renderPage } from './page.js';
import { RunReportData, type CandidateComparison, type ParsedRunReportData } from './run-data.js';
import { parseReportInput } from './validate.js';

/**
 * One pipeline run as a self-contained HTML page: the decision, the
 * candidate against the champion, every version's metrics over time with
 * the champion's promotions marked, and the drift check (the same section
 * as the drift report).
 */
export function renderRunReportHtml(data: RunReportData): string {
  const d = parseReportInput(RunReportData, data, 'run report data');
  const title = d.title ?? `Pipeline run: ${d.model}${d.runId ? ` (${d.runId})` : ''}`;
  const charts = metricChartData(d.metrics, d.promotions);
  const body = `<header>
<h1>${text(title)}</h1>
${metaLine([
  `model ${text(d.model)}`,
  d.runId ? `run ${text(d.runId)}` : '',
  d.championVersion ? `champion v${d.championVersion}` : '',
  d.candidateVersion ? `candidate v${d.candidateVersion}` : '',
  d.startedAt ? `started ${text(d.startedAt)}` : '',
  d.finishedAt ? `finished ${text(d.finishedAt)}` : '',
  d.generatedAt ? `generated ${text(d.generatedAt)}` : '',
])}
</header>
<main>
${decisionSection(d)}
<h2>Candidate vs champion</h2>
${comparisonSection(d)}
<h2>Metrics over time</h2>
${metricsSection(d, charts.map((c) => c.metric))}
<h2>Drift check</h2>
${d.drift ? `${metaLine([d.drift.reference ? `reference: ${text(d.drift.reference)}` : '', d.drift.current ? `current: ${text(d.drift.current)}` : ''])}\n${driftSectionHtml(d.drift.report)}` : '<p class="note">No drift check in this run.</p>'}
</main>`;
  const comparison = {
    candidateLabel: d.candidateVersion ? `candidate (v${d.candidateVersion})` : 'candidate',
    championLabel: d.championVersion ? `champion (v${d.championVersion})` : 'champion',
    rows: d.comparison.map((c) => ({ metric: c.metric, candidate: c.candidate, champion: c.champion })),
  };
  return renderPage({ title, body, data: { drift: d.drift?.report, metricCharts: charts, comparison } });
}

function decisionSection(d: ParsedRunReportData): string {
  const reasons = d.decision.reasons?.length ? `<ul class="reasons">${d.decision.reasons.map((r) => `<li>${text(r)}</li>`).join('')}</ul>` : '';
  return `<div class="summary" id="decision" data-promoted="${d.decision.promoted}">
<div class="big">${d.decision.promoted ? '<span class="badge promoted">promoted</span>' : '<span class="badge kept">champion kept</span>'}</div>
<div>${text(d.decision.summary)}${reasons}</div>
</div>`;
}

function comparisonSection(d: ParsedRunReportData): string {
  if (d.comparison.length === 0) return '<p class="note">No candidate was evaluated in this run.</p>';
  const rows = d.comparison.map((c) => `<tr>
<td class="name">${text(c.metric)}</td>
<td class="num" data-sort="${c.candidate}">${formatNumber(c.candidate)}</td>
<td class="num"${c.champion === null ? '' : ` data-sort="${c.champion}"`}>${formatNumber(c.champion)}</td>
<td class="num">${difference(c)}</td>
<td class="num" data-sort="${c.holdoutRows}">${c.holdoutRows.toLocaleString('en-US')}</td>
<td>${text(c.decision)}</td>
</tr>`);
  return `<table class="sortable" id="comparison-table">
<thead><tr><th>metric</th><th class="num">candidate</th><th class="num">champion</th><th class="num">difference</th><th class="num">holdout rows</th><th>decision</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<div class="panel"><div class="chart"><canvas id="comparison" role="img" aria-label="candidate vs champion per metric"></canvas></div></div>`;
}

/** candidate − champion, with which way is better when the data says so. */
function difference(c: CandidateComparison): string {
  if (c.champion === null) return '—';
  const diff = c.candidate - c.champion;
  const sign = diff > 0 ? '+' : '';
  if (c.higherIsBetter === undefined || diff === 0) return `${sign}${formatNumber(diff)}`;
  const better = c.higherIsBetter ? diff > 0 : diff < 0;
  return `${sign}${formatNumber(diff)} <span class="note">(${better ? 'better' : 'worse'})</span>`;
}

function metricsSection(d: ParsedRunReportData, metrics: string[]): string {
  const promotions = d.promotions.length
    ? `<table id="promotions"><thead><tr><th>promoted at</th><th>champion</th></tr></thead><tbody>${[...d.promotions]
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
        .map((p) => `<tr><td>${text(p.at)}</td><td>${p.from ? `v${p.from} → ` : ''}v${p.version}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="note">No promotions in this period.</p>';
  if (metrics.length === 0) return `<p class="note">No metrics recorded for this period.</p>\n${promotions}`;
  const panels = metrics
    .map(
      (metric, j) => `<section class="panel" id="metric-panel-${j}">
<h3>${text(metric)}</h3>
<div class="chart tall"><canvas id="metric-${j}" role="img" aria-label="${attr(`${metric} per version over time`)}"></canvas></div>
</section>`,
    )
    .join('\n');
  return `<p class="note">One line per version, by the end of each window; dashed lines are label-free estimates; dashed verticals mark the champion's promotions.</p>
<div class="grid wide">
${panels}
</div>
${promotions}`;
}
