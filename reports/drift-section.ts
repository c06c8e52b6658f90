import type { ColumnDrift, DriftReport } from '../drift/report.js';
import { attr, formatNumber, formatShare, text } from './html.js';

/**
 * The drift check as markup: the data-set verdict, a sortable table of every
 * column, and a panel per column with its reference-vs-current chart (drawn
 * by the browser script into canvas#drift-column-<index>). Shared by the
 * drift report and the run report.
 */
export function driftSectionHtml(report: DriftReport): string {
  return [datasetSummary(report), columnTable(report), columnPanels(report)].join('\n');
}

export function verdictBadge(column: Pick<ColumnDrift, 'status' | 'drifted'>): string {
  if (column.status === 'insufficient-data') return '<span class="badge insufficient">insufficient data</span>';
  return column.drifted ? '<span class="badge drifted">drifted</span>' : '<span class="badge ok">no drift</span>';
}

function datasetSummary(report: DriftReport): string {
  const d = report.dataset;
  const untested = report.columns.length - d.testedColumns;
  const comparison = d.share >= d.threshold ? '≥' : '<';
  const mustWatch = d.mustWatchDrifted.length
    ? `<div>must-watch drifted: <strong>${d.mustWatchDrifted.map((c) => text(c)).join(', ')}</strong></div>`
    : '';
  return `<div class="summary" id="dataset-summary" data-drifted="${d.drifted}">
<div class="big">${d.drifted ? '<span class="badge drifted">dataset drift</span>' : '<span class="badge ok">no dataset drift</span>'}</div>
<div><strong>${d.driftedColumns}</strong> of ${d.testedColumns} tested columns drifted: share <strong>${formatShare(d.share)}</strong> ${comparison} threshold ${formatShare(d.threshold)}</div>
${mustWatch}
<div>rows: reference <strong>${d.rows.reference.toLocaleString('en-US')}</strong>, current <strong>${d.rows.current.toLocaleString('en-US')}</strong></div>
${untested > 0 ? `<div class="note">${untested} column${untested === 1 ? '' : 's'} with insufficient data (not counted)</div>` : ''}
</div>`;
}

function missingCell(missing: number, rows: number, jump: boolean): string {
  const total = missing + rows;
  const share = total === 0 ? 0 : missing / total;
  return `<td class="num" data-sort="${share}">${missing.toLocaleString('en-US')} <span class="note">(${formatShare(share)})</span>${jump ? ' <span class="flag" title="the missing share jumped">▲ jump</span>' : ''}</td>`;
}

function numberCell(value: number | null): string {
  return `<td class="num"${value === null ? '' : ` data-sort="${value}"`}>${formatNumber(value)}</td>`;
}

function columnTable(report: DriftReport): string {
  const rows = report.columns
    .map((c, i) => {
      const verdictOrder = c.status === 'insufficient-data' ? 0 : c.drifted ? 2 : 1;
      const reason = c.reason ? `<div class="note">${text(c.reason)}</div>` : '';
      return `<tr data-column-index="${i}">
<td class="name"><a href="#column-${i}">${text(c.name)}</a></td>
<td>${text(c.kind)}</td>
<td>${c.method === null ? '—' : text(c.method)}</td>
${numberCell(c.statistic)}
${numberCell(c.pValue)}
${numberCell(c.threshold)}
<td data-sort="${verdictOrder}">${verdictBadge(c)}${reason}</td>
${missingCell(c.missing.reference, c.rows.reference, false)}
${missingCell(c.missing.current, c.rows.current, c.missingJump)}
<td data-sort="${c.mustWatch ? 1 : 0}">${c.mustWatch ? 'yes' : ''}</td>
</tr>`;
    })
    .join('\n');
  return `<h2>Columns</h2>
<table class="sortable" id="columns">
<thead><tr><th>column</th><th>kind</th><th>method</th><th class="num">statistic</th><th class="num">p-value</th><th class="num">threshold</th><th>verdict</th><th class="num">missing (reference)</th><th class="num">missing (current)</th><th>must-watch</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function columnPanels(report: DriftReport): string {
  const panels = report.columns
    .map((c, i) => {
      const stat = c.method
        ? `${text(c.method)}: statistic ${formatNumber(c.statistic)}${c.pValue === null ? '' : `, p-value ${formatNumber(c.pValue)}`}, threshold ${formatNumber(c.threshold)}`
        : 'not tested';
      const chart = c.distribution
        ? `<div class="chart"><canvas id="drift-column-${i}" role="img" aria-label="${attr(`reference vs current distribution of ${c.name}`)}"></canvas></div>`
        : `<p class="note">no distribution recorded${c.reason ? `: ${text(c.reason)}` : ''}</p>`;
      return `<section class="panel" id="column-${i}">
<h3>${text(c.name)} ${verdictBadge(c)}</h3>
<p>${text(c.kind)} · ${stat}</p>
${chart}
</section>`;
    })
    .join('\n');
  return `<h2>Distributions</h2>
<p class="note">Shares of each window's non-missing rows, on one binning shared by both windows.</p>
<div class="grid">
${panels}
</div>`;
}
