import { describe, expect, it } from 'vitest';
import { DriftReport } from '../../drift/report.js';
import { ConfigError } from '../../errors/index.js';
import { renderDashboardHtml } from '../../reports/dashboard-html.js';
import { renderDriftReportHtml } from '../../reports/drift-html.js';
import { jsonForScript, text } from '../../reports/html.js';
import { metricSeriesFromWindows, promotionsFromAliasHistory } from '../../reports/run-data.js';
import { renderRunReportHtml } from '../../reports/run-html.js';
import { EVIL_CATEGORY, EVIL_COLUMN, sampleDriftReport, sampleRunReportData } from './fixtures.js';

/** The JSON a page embeds for its charts, parsed back as the browser would. */
function embeddedData(html: string): any {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m, 'the page embeds its data').not.toBeNull();
  return JSON.parse(m![1]!);
}

/** Everything outside the inlined Chart.js: the markup, the embedded JSON and the chart script. */
function withoutChartJs(html: string): string {
  return html.replace(/<script>(?:(?!<\/script>)[\s\S])*?window\.Chart=[\s\S]*?<\/script>/, '<script>/*chart.js*/</script>');
}

describe('renderDriftReportHtml', () => {
  const report = sampleDriftReport();
  const html = renderDriftReportHtml(report, { model: 'churn', version: 2, reference: 'ref<1>.csv', current: 'cur.csv', generatedAt: '2025-03-13T06:00:00Z' });
  const page = withoutChartJs(html);

  it('is one self-contained page: Chart.js inline, no external script, style or link', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('window.Chart=');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/sourceMappingURL/);
    expect(page).not.toMatch(/https?:\/\//);
  });

  it('embeds the report as JSON that parses back to the same report', () => {
    expect(embeddedData(html).drift).toEqual(report);
  });

  it('lists every column in the table, with its method, statistic, p-value, threshold, verdict and missing counts', () => {
    const body = /<table class="sortable" id="columns">([\s\S]*?)<\/table>/.exec(page)![1]!;
    const rows = body.split('<tr data-column-index=').slice(1);
    expect(rows).toHaveLength(report.columns.length);
    report.columns.forEach((c, i) => {
      const row = rows[i]!;
      expect(row).toContain(`>${text(c.name)}</a>`);
      expect(row).toContain(`<td>${c.method ?? '—'}</td>`);
      if (c.statistic !== null) expect(row).toContain(`data-sort="${c.statistic}"`);
      if (c.pValue !== null) expect(row).toContain(`data-sort="${c.pValue}"`);
      expect(row).toContain(c.status === 'insufficient-data' ? 'insufficient data' : c.drifted ? '>drifted<' : '>no drift<');
      expect(row.includes('▲ jump')).toBe(c.missingJump);
    });
    expect(rows[0]).toContain('<td data-sort="1">yes</td>'); // must-watch
    expect(rows[1]).toContain('>0.83<'); // KS p-value
    expect(rows[3]).toContain('>4.00e-4<'); // a tiny p-value in exponent form
    expect(rows[5]).toContain('only 12 non-missing current rows');
  });

  it('has one chart canvas per column with a distribution, and a note for the one without', () => {
    report.columns.forEach((c, i) => {
      expect(page.includes(`<canvas id="drift-column-${i}"`)).toBe(c.distribution !== undefined);
    });
    expect(page).toContain('no distribution recorded: only 12 non-missing current rows');
  });

  it('summarises the data set: verdict, share against threshold, rows, must-watch', () => {
    expect(page).toContain('data-drifted="true"');
    expect(page).toContain('<strong>3</strong> of 5 tested columns drifted: share <strong>60.0%</strong> ≥ threshold 50.0%');
    expect(page).toContain('reference <strong>5,000</strong>, current <strong>4,200</strong>');
    expect(page).toContain('must-watch drifted: <strong>monthly_charges</strong>');
    expect(page).toContain('1 column with insufficient data');
    expect(page).toContain('reference: ref&lt;1&gt;.csv');
  });

  it('escapes column and category names: no markup from data, no early end of a script element', () => {
    expect(page).not.toContain(EVIL_COLUMN);
    expect(page).not.toContain('<img');
    expect(page).toContain(text(EVIL_COLUMN));
    // Only the page's own three scripts end: the category's "</script>" never appears raw.
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).not.toContain(EVIL_CATEGORY);
    const json = /id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(json).not.toMatch(/[<>]/);
    expect(embeddedData(html).drift.columns[3].distribution.categories[0]).toBe(EVIL_CATEGORY);
  });

  it('admits only its own two scripts by hash in its Content-Security-Policy', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp.match(/'sha256-[A-Za-z0-9+/=]+'/g)).toHaveLength(2);
    expect(csp).not.toContain('unsafe-inline\'; script');
    expect(/script-src ([^;]+)/.exec(csp)![1]).not.toContain('unsafe');
  });

  it('rejects a report that is not a DriftReport with a ConfigError naming the field', () => {
    const bad = structuredClone(report) as any;
    bad.columns[2].pValue = 1.5;
    expect(() => renderDriftReportHtml(bad)).toThrow(ConfigError);
    expect(() => renderDriftReportHtml(bad)).toThrow(/columns\[2\]\.pValue/);
    expect(() => renderDriftReportHtml(report, { version: 0 } as any)).toThrow(/drift report meta: version/);
  });

  it('renders a report with no columns at all', () => {
    const empty = DriftReport.parse({
      version: 1,
      dataset: { drifted: false, share: 0, threshold: 0.5, driftedColumns: 0, testedColumns: 0, mustWatchDrifted: [], rows: { reference: 0, current: 0 } },
      columns: [],
    });
    const out = renderDriftReportHtml(empty);
    expect(out).toContain('no dataset drift');
    expect(out).not.toContain('<canvas');
  });
});

describe('renderRunReportHtml', () => {
  const data = sampleRunReportData();
  const html = renderRunReportHtml(data);
  const page = withoutChartJs(html);

  it('shows the decision, the comparison table and the promotions', () => {
    expect(page).toContain('data-promoted="true"');
    expect(page).toContain('<span class="badge promoted">promoted</span>');
    expect(page).toContain('<li>accuracy +0.021 ≥ min improvement 0.01</li>');
    const table = /<table class="sortable" id="comparison-table">([\s\S]*?)<\/table>/.exec(page)![1]!;
    expect(table.match(/<tr>/g)).toHaveLength(1 + data.comparison!.length);
    expect(table).toContain('+0.021 <span class="note">(better)</span>');
    expect(table).toContain('-0.03 <span class="note">(better)</span>'); // log loss: lower is better
    expect(table).toContain('f1 &lt;macro&gt;');
    expect(page).toContain('<tr><td>2025-03-09T12:00:00.000Z</td><td>v2 → v3</td></tr>');
    expect(page).toContain('run retrain-churn-&lt;b&gt;7&lt;/b&gt;');
  });

  it('has one metric chart per metric, one line per version (estimates apart) and the promotions as a series', () => {
    const d = embeddedData(html);
    expect(d.metricCharts.map((c: any) => c.metric)).toEqual(['accuracy', 'f1']);
    expect(d.metricCharts[0].lines.map((l: any) => l.label)).toEqual(['v1', 'v2', 'v3', 'v3 (estimated)']);
    expect(d.metricCharts[0].lines.map((l: any) => l.points.length)).toEqual([4, 7, 4, 3]);
    expect(d.metricCharts[1].lines.map((l: any) => l.label)).toEqual(['v2', 'v3']);
    // A version keeps its colour in every chart.
    expect(d.metricCharts[1].lines[1].colorIndex).toBe(d.metricCharts[0].lines[2].colorIndex);
    expect(d.metricCharts[0].promotions.map((p: any) => p.version)).toEqual([2, 3]);
    expect(page).toContain('<canvas id="metric-0"');
    expect(page).toContain('<canvas id="metric-1"');
    expect(page).toContain('<canvas id="comparison"');
    expect(d.comparison.candidateLabel).toBe('candidate (v3)');
  });

  it('includes the drift section of the drift report', () => {
    expect(embeddedData(html).drift).toEqual(data.drift!.report);
    expect(page).toContain('<table class="sortable" id="columns">');
    expect(page).toContain('current: prediction log 2025-03-06 → 2025-03-13');
    expect(page).not.toContain(EVIL_COLUMN);
  });

  it('renders a run without drift check, metrics or candidate', () => {
    const out = renderRunReportHtml({ model: 'churn', decision: { promoted: false, summary: 'no drift, metrics within bounds' } });
    expect(out).toContain('No drift check in this run.');
    expect(out).toContain('No metrics recorded for this period.');
    expect(out).toContain('No candidate was evaluated in this run.');
    expect(out).toContain('champion kept');
  });

  it('rejects bad data with a ConfigError naming the field', () => {
    const bad = sampleRunReportData() as any;
    bad.metrics[1].points[2].windowEnd = 'yesterday';
    expect(() => renderRunReportHtml(bad)).toThrow(/metrics\[1\]\.points\[2\]\.windowEnd/);
    expect(() => renderRunReportHtml({ model: 'churn' } as any)).toThrow(ConfigError);
  });
});

describe('renderDashboardHtml', () => {
  it('lists models and links their reports newest first, escaping names, with no script at all', () => {
    const html = renderDashboardHtml([
      {
        name: 'churn', champion: 3, versions: 3,
        reports: [
          { id: 'churn/drift-20250301T000000Z', kind: 'drift', at: '2025-03-01T00:00:00Z', drifted: false },
          { id: '17', kind: 'drift', at: '2025-03-05T00:00:00Z', drifted: true, title: 'drift <check>' },
          { href: 'https://example.org/r?a=1&b=2', kind: 'run', at: '2025-03-04T00:00:00Z' },
        ],
      },
      { name: 'alpha', versions: 0, reports: [] },
    ]);
    expect(html).not.toContain('<script');
    expect(html.indexOf('data-model="alpha"')).toBeLessThan(html.indexOf('data-model="churn"'));
    expect(html).toContain('champion <strong>v3</strong>');
    expect(html).toContain('no champion');
    const links = [...html.matchAll(/<a href="([^"]+)">([^<]*)<\/a>/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual([
      ['/reports/17', 'drift &lt;check&gt;'],
      ['https://example.org/r?a=1&amp;b=2', 'run report'],
      ['/reports/churn/drift-20250301T000000Z', 'drift report'],
    ]);
  });

  it('refuses a javascript: link and a link with neither id nor href', () => {
    const link = { kind: 'run' as const, at: '2025-03-04T00:00:00Z' };
    expect(() => renderDashboardHtml([{ name: 'm', versions: 1, reports: [{ ...link, href: 'javascript:alert(1)' }] }])).toThrow(/reports\[0\]\.href/);
    expect(() => renderDashboardHtml([{ name: 'm', versions: 1, reports: [link] }])).toThrow(/exactly one of id or href/);
  });
});

describe('the view-model helpers', () => {
  it('turns the champion alias history into promotions, oldest first, from `since`', () => {
    const move = (toVersion: number, fromVersion: number | null, movedAt: string, alias = 'champion') =>
      ({ model: 'churn', alias, toVersion, fromVersion, movedAt, actor: 't', runId: null, reason: 'r' });
    const promotions = promotionsFromAliasHistory(
      [move(3, 2, '2025-03-09T12:00:00Z'), move(2, 1, '2025-03-04T12:00:00Z'), move(1, null, '2025-01-01T00:00:00Z'), move(2, null, '2025-03-05T00:00:00Z', 'previous')],
      { since: '2025-02-01T00:00:00Z' },
    );
    expect(promotions).toEqual([
      { at: '2025-03-04T12:00:00.000Z', version: 2, from: 1 },
      { at: '2025-03-09T12:00:00.000Z', version: 3, from: 2 },
    ]);
  });

  it('turns metric windows into one series per version and metric, realised and estimated points marked, windows without a value left out', () => {
    const w = (version: number, kind: 'realised' | 'estimated', start: string, value: number | null) =>
      ({ version, metric: 'accuracy', kind, windowStart: `2025-03-0${start}T00:00:00Z`, windowEnd: `2025-03-0${Number(start) + 1}T00:00:00Z`, value, rows: 100, labelledRows: 40 });
    const series = metricSeriesFromWindows([w(2, 'realised', '2', 0.9), w(2, 'estimated', '3', 0.88), w(2, 'realised', '1', 0.91), w(1, 'realised', '1', null)]);
    expect(series).toEqual([
      {
        version: 2, metric: 'accuracy',
        points: [
          { windowStart: '2025-03-01T00:00:00.000Z', windowEnd: '2025-03-02T00:00:00.000Z', value: 0.91, estimated: false, rows: 40 },
          { windowStart: '2025-03-02T00:00:00.000Z', windowEnd: '2025-03-03T00:00:00.000Z', value: 0.9, estimated: false, rows: 40 },
          { windowStart: '2025-03-03T00:00:00.000Z', windowEnd: '2025-03-04T00:00:00.000Z', value: 0.88, estimated: true, rows: 100 },
        ],
      },
    ]);
  });

  it('escapes JSON for a script element and keeps its value', () => {
    const value = { a: '</script><!-- & \u2028 >' };
    const out = jsonForScript(value);
    expect(out).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(out)).toEqual(value);
  });
});
