import { z } from 'zod';
import { DriftReport } from '../drift/report.js';
import { driftSectionHtml } from './drift-section.js';
import { metaLine, text } from './html.js';
import { renderPage } from './page.js';
import { parseReportInput } from './validate.js';

/** Where a drift check's windows came from and what it was for; every field optional. */
export const DriftReportMeta = z.strictObject({
  title: z.string().optional(),
  /** The reference window (file, snapshot, version's training data…). */
  reference: z.string().optional(),
  /** The current window (file, time range…). */
  current: z.string().optional(),
  generatedAt: z.string().optional(),
  model: z.string().optional(),
  version: z.number().int().min(1).optional(),
});
export type DriftReportMeta = z.infer<typeof DriftReportMeta>;

/**
 * One drift check as a self-contained HTML page: the data-set verdict, every
 * column's method, statistic, p-value, threshold, verdict and missing
 * shares, and per column its reference-vs-current histogram or category
 * bars. The report is embedded as JSON too (script#report-data).
 */
export function renderDriftReportHtml(report: DriftReport, meta: DriftReportMeta = {}): string {
  const r = parseReportInput(DriftReport, report, 'drift report');
  const m = parseReportInput(DriftReportMeta, meta, 'drift report meta');
  const title = m.title ?? (m.model ? `Drift report: ${m.model}${m.version ? ` v${m.version}` : ''}` : 'Drift report');
  const body = `<header>
<h1>${text(title)}</h1>
${metaLine([
  m.model ? `model ${text(m.model)}${m.version ? ` version ${m.version}` : ''}` : '',
  m.reference ? `reference: ${text(m.reference)}` : '',
  m.current ? `current: ${text(m.current)}` : '',
  m.generatedAt ? `generated ${text(m.generatedAt)}` : '',
])}
</header>
<main>
${driftSectionHtml(r)}
</main>`;
  return renderPage({ title, body, data: { drift: r } });
}

