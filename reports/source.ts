import { NotFoundError } from '../errors/index.js';
import type { Registry } from '../registry/types.js';
import type { DashboardModel, ReportLink } from './dashboard-data.js';
import { renderDriftReportHtml } from './drift-html.js';
import type { ReportFiles } from './file-store.js';

/**
 * What the /reports routes serve from: the dashboard's model list and one
 * report's HTML by id.
 */
export interface ReportSource {
  dashboard(): Promise<DashboardModel[]>;
  /** The report's HTML; NotFoundError when there is no such report. */
  reportHtml(id: string): Promise<string>;
}

export interface ReportSourceOptions {
  /** Report files (run reports, drift reports written by `driftloop drift --out` and friends). */
  files: ReportFiles;
  /** Models (with champion and version count) and their stored drift reports. */
  registry?: Pick<Registry, 'listModels' | 'listDriftReports' | 'getDriftReport'>;
  /** Stored drift reports listed per model (newest first); default 50. */
  limit?: number;
}

/**
 * Every model of the registry with its reports: report files (ids
 * `<model>/<name>`) and the registry's stored drift reports (ids are their
 * numbers; one stored without HTML is rendered from its JSON on request).
 * A model known only by its report files is listed with 0 versions.
 */
export function reportSource(opts: ReportSourceOptions): ReportSource {
  const { files, registry } = opts;
  return {
    async dashboard() {
      const [fileReports, models] = await Promise.all([files.list(), registry ? registry.listModels() : Promise.resolve([])]);
      const out: DashboardModel[] = [];
      for (const m of models) {
        const stored: ReportLink[] = (await registry!.listDriftReports(m.model, { limit: opts.limit ?? 50 })).map((r) => ({
          id: String(r.id),
          kind: 'drift',
          at: new Date(r.at).toISOString(),
          drifted: r.drifted,
          title: `drift check of v${r.version}${r.runId ? ` (run ${r.runId})` : ''}`,
        }));
        out.push({ name: m.model, champion: m.champion, versions: m.versions, reports: [...stored, ...(fileReports.get(m.model) ?? [])] });
      }
      for (const [name, links] of fileReports) {
        if (!models.some((m) => m.model === name)) out.push({ name, champion: null, versions: 0, reports: links });
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async reportHtml(id) {
      if (!/^[1-9][0-9]{0,15}$/.test(id)) return files.read(id);
      if (!registry) throw new NotFoundError(`there is no report ${JSON.stringify(id)}: no registry, no stored drift reports`, { id });
      const stored = await registry.getDriftReport(Number(id));
      return (
        stored.html ??
        renderDriftReportHtml(stored.report, { model: stored.model, version: stored.version, generatedAt: new Date(stored.at).toISOString() })
      );
    },
  };
}
