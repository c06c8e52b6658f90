import { createHash } from 'node:crypto';
import { REPORT_BROWSER_SCRIPT } from './browser-script.js';
import { chartJsSource } from './chart-library.js';
import { jsonForScript, text } from './html.js';

/**
 * The shell every report shares: one self-contained HTML file (styles,
 * Chart.js and the chart script inline; no network at view time). A
 * Content-Security-Policy admits only the page's own two scripts (by hash),
 * so even a value that escaped escaping could not run script or load
 * anything.
 */
export interface PageParts {
  title: string;
  /** Body markup; every piece of user data in it already escaped. */
  body: string;
  /** Embedded as JSON for the chart script; absent: a page without charts (and without scripts). */
  data?: unknown;
}

const STYLE = `
:root{--ok:#2e7d32;--bad:#c62828;--muted:#666;--line:#ddd}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:78rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1.05rem;margin:0 0 .25rem;overflow-wrap:anywhere}
.meta{color:var(--muted);margin:0 0 1rem}
.meta span+span::before{content:" · "}
.summary{display:flex;flex-wrap:wrap;gap:.75rem 2rem;align-items:baseline;border:1px solid var(--line);border-radius:8px;padding:1rem;margin:1rem 0}
.summary .big{font-size:1.3rem;font-weight:600}
.badge{display:inline-block;border-radius:999px;padding:.05rem .55rem;font-size:.8rem;font-weight:600;color:#fff;background:var(--muted);white-space:nowrap}
.badge.drifted,.badge.kept,.badge.worse{background:var(--bad)}
.badge.ok,.badge.promoted{background:var(--ok)}
.badge.insufficient{background:#8d8d8d}
.flag{color:var(--bad);font-weight:600;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.name{overflow-wrap:anywhere;max-width:22rem}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" ▲"}
table.sortable th[aria-sort=descending]::after{content:" ▼"}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:1rem}
.grid.wide{grid-template-columns:repeat(auto-fill,minmax(36rem,1fr))}
.panel{border:1px solid var(--line);border-radius:8px;padding:.75rem}
.panel p{margin:0 0 .5rem;color:var(--muted)}
.chart{position:relative;height:240px}
.chart.tall{height:320px}
.note{color:var(--muted)}
ul.reasons{margin:.25rem 0 0;padding-left:1.25rem}
`;

let chartHash: string | undefined;
const scriptHash = sha256Base64(REPORT_BROWSER_SCRIPT);

export function renderPage(parts: PageParts): string {
  const charts = parts.data !== undefined;
  const scriptSources = charts ? [`'sha256-${(chartHash ??= sha256Base64(chartJsSource()))}'`, `'sha256-${scriptHash}'`] : [];
  const csp = [
    "default-src 'none'",
    `script-src ${scriptSources.length ? scriptSources.join(' ') : "'none'"}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const scripts = charts
    ? `<script type="application/json" id="report-data">${jsonForScript(parts.data)}</script>
<script>${chartJsSource()}</script>
<script>${REPORT_BROWSER_SCRIPT}</script>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="driftloop">
<title>${text(parts.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.body}
${scripts}
</body>
</html>
`;
}

function sha256Base64(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}
