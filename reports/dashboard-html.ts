import { z } from 'zod';
import { DashboardModel, type ReportLink } from './dashboard-data.js';
import { attr, text } from './html.js';
import { renderPage } from './page.js';
import { parseReportInput } from './validate.js';

export interface DashboardOptions {
  /** Where `id` links resolve (GET <basePath>/<id>); default /reports. */
  basePath?: string;
  title?: string;
  generatedAt?: string;
}

/**
 * The model list: every model with its champion and version count, and its
 * reports newest first, each a link with its kind, time and drift verdict.
 * No charts, so no script at all.
 */
export function renderDashboardHtml(models: DashboardModel[], opts: DashboardOptions = {}): string {
  const list = parseReportInput(z.array(DashboardModel), models, 'dashboard models');
  const basePath = (opts.basePath ?? '/reports').replace(/\/+$/, '');
  const title = opts.title ?? 'driftloop reports';
  const sections = list.length
    ? [...list].sort((a, b) => a.name.localeCompare(b.name)).map((m) => modelSection(m, basePath)).join('\n')
    : '<p class="note">No models and no reports yet.</p>';
  const body = `<header>
<h1>${text(title)}</h1>
<p class="meta"><span>${list.length} model${list.length === 1 ? '' : 's'}</span>${opts.generatedAt ? `<span>generated ${text(opts.generatedAt)}</span>` : ''}</p>
</header>
<main>
${sections}
</main>`;
  return renderPage({ title, body });
}

function modelSection(m: DashboardModel, basePath: string): string {
  const reports = [...m.reports].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const rows = reports
    .map(
      (r) => `<tr>
<td><a href="${attr(href(r, basePath))}">${text(r.title ?? `${r.kind} report`)}</a></td>
<td>${text(r.kind)}</td>
<td>${text(r.at)}</td>
<td>${r.drifted === undefined ? '' : r.drifted ? '<span class="badge drifted">drift</span>' : '<span class="badge ok">no drift</span>'}</td>
</tr>`,
    )
    .join('\n');
  const champion = m.champion ? `champion <strong>v${m.champion}</strong>` : 'no champion';
  return `<section class="model" data-model="${attr(m.name)}">
<h2>${text(m.name)}</h2>
<p class="meta"><span>${champion}</span><span>${m.versions} version${m.versions === 1 ? '' : 's'}</span><span>${reports.length} report${reports.length === 1 ? '' : 's'}</span></p>
${reports.length ? `<table><thead><tr><th>report</th><th>kind</th><th>at</th><th>drift</th></tr></thead><tbody>\n${rows}\n</tbody></table>` : '<p class="note">No reports yet.</p>'}
</section>`;
}

/** An id becomes <basePath>/<id>, each path segment percent-encoded. */
function href(r: ReportLink, basePath: string): string {
  if (r.href !== undefined) return r.href;
  return `${basePath}/${r.id!.split('/').map(encodeURIComponent).join('/')}`;
}
