import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { formatIssues } from '../config/format-issues.js';
import { ModelName } from '../config/model-name.js';
import { DriftReport } from '../drift/report.js';
import { DataError, NotFoundError } from '../errors/index.js';
import type { BlobStore } from './blob-store.js';
import { isoTime } from './iso-time.js';
import type { RegistryTables } from './schema.js';
import type { TransactionRunner } from './transactions.js';
import type {
  DriftReportSummary,
  ListMetricWindowsOptions,
  MetricWindow,
  SaveDriftReportInput,
  StoredDriftReport,
} from './types.js';

/**
 * The monitoring side of the registry: metric windows and drift reports.
 * SqlRegistry delegates to these; they share its database, transactions and
 * blob store.
 */

type Db = Kysely<RegistryTables>;

/** 11 parameters per row: far below SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const WINDOW_ROWS_PER_STATEMENT = 500;

const IsoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time')
  .transform((s) => new Date(Date.parse(s)).toISOString());
const Count = z.number().int().min(0);

const MetricWindowSchema = z
  .object({
    model: ModelName,
    version: z.number().int().min(1),
    metric: z.string().min(1).max(100),
    kind: z.enum(['realised', 'estimated']),
    windowStart: IsoTime,
    windowEnd: IsoTime,
    value: z.number().finite().nullable(),
    reason: z.string().nullable().optional(),
    rows: Count,
    labelledRows: Count,
    computedAt: IsoTime,
  })
  .superRefine((w, ctx) => {
    if (w.windowStart >= w.windowEnd) ctx.addIssue({ code: 'custom', path: ['windowEnd'], message: 'must be after windowStart' });
    if (w.labelledRows > w.rows) ctx.addIssue({ code: 'custom', path: ['labelledRows'], message: `is more than rows (${w.rows})` });
  });

export async function saveMetricWindows(db: Db, tx: TransactionRunner, windows: MetricWindow[]): Promise<void> {
  if (windows.length === 0) return;
  const rows = windows.map((w, i) => {
    const parsed = MetricWindowSchema.safeParse(w);
    if (!parsed.success) throw new DataError(`metric window ${i}: ${formatIssues(parsed.error)}`, { index: i });
    const v = parsed.data;
    return {
      model: v.model,
      version: v.version,
      metric: v.metric,
      kind: v.kind,
      window_start: v.windowStart,
      window_end: v.windowEnd,
      value: v.value,
      reason: v.value === null ? (v.reason ?? null) : null,
      rows: v.rows,
      labelled_rows: v.labelledRows,
      computed_at: v.computedAt,
    };
  });
  await tx.write(db, null, async (trx) => {
    for (let i = 0; i < rows.length; i += WINDOW_ROWS_PER_STATEMENT) {
      await trx
        .insertInto('metric_windows')
        .values(rows.slice(i, i + WINDOW_ROWS_PER_STATEMENT))
        .onConflict((oc) =>
          oc.columns(['model', 'version', 'metric', 'kind', 'window_start', 'window_end']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            reason: eb.ref('excluded.reason'),
            rows: eb.ref('excluded.rows'),
            labelled_rows: eb.ref('excluded.labelled_rows'),
            computed_at: eb.ref('excluded.computed_at'),
          })),
        )
        .execute();
    }
  });
}

export async function listMetricWindows(db: Db, model: string, opts: ListMetricWindowsOptions = {}): Promise<MetricWindow[]> {
  let q = db.selectFrom('metric_windows').selectAll().where('model', '=', model);
  if (opts.since !== undefined) q = q.where('window_end', '>', isoTime(opts.since, 'since'));
  if (opts.until !== undefined) q = q.where('window_start', '<', isoTime(opts.until, 'until'));
  if (opts.version !== undefined) q = q.where('version', '=', opts.version);
  if (opts.metric !== undefined) q = q.where('metric', '=', opts.metric);
  const rows = await q.execute();
  // Sorted here, not in SQL: a PostgreSQL collation may order names differently from SQLite.
  rows.sort(
    (a, b) =>
      compare(a.window_start, b.window_start) || Number(a.version) - Number(b.version) || compare(a.metric, b.metric) || compare(a.kind, b.kind),
  );
  return rows.map((r) => ({
    model: r.model,
    version: Number(r.version),
    metric: r.metric,
    kind: r.kind as MetricWindow['kind'],
    windowStart: r.window_start,
    windowEnd: r.window_end,
    value: r.value === null ? null : Number(r.value),
    reason: r.reason,
    rows: Number(r.rows),
    labelledRows: Number(r.labelled_rows),
    computedAt: r.computed_at,
  }));
}

const SaveDriftReportSchema = z.object({
  model: ModelName,
  version: z.number().int().min(1),
  runId: z.string().min(1).max(256).nullable().optional(),
  at: IsoTime,
  report: z.unknown(),
  html: z.string().nullable().optional(),
});

/**
 * The report row holds the JSON (validated against drift/report.ts); the HTML
 * goes to the content-addressed blob store: it is hundreds of KB per check,
 * which would bloat every backup and page of the database, while the blob
 * store already holds the large bytes (models, training data) on the volume
 * every worker and server shares, and deduplicates identical reports.
 */
export async function saveDriftReport(db: Db, tx: TransactionRunner, blobs: BlobStore, input: SaveDriftReportInput): Promise<{ id: number }> {
  const parsed = SaveDriftReportSchema.safeParse(input);
  if (!parsed.success) throw new DataError(`drift report: ${formatIssues(parsed.error)}`);
  const report = DriftReport.safeParse(parsed.data.report);
  if (!report.success) throw new DataError(`drift report: not a valid DriftReport: ${formatIssues(report.error, 'report')}`);
  const v = parsed.data;
  // Bytes first: a row never points at a blob that is not there.
  const html = v.html == null ? null : await blobs.put(new TextEncoder().encode(v.html));
  const row = {
    model: v.model,
    version: v.version,
    run_id: v.runId ?? null,
    at: v.at,
    drifted: report.data.dataset.drifted ? 1 : 0,
    share: report.data.dataset.share,
    report: JSON.stringify(report.data),
    html_sha256: html,
  };
  return tx.write(db, v.model, async (trx) => {
    const q = trx.insertInto('drift_reports').values(row);
    const saved =
      row.run_id === null
        ? await q.returning('id').executeTakeFirstOrThrow()
        : await q
            .onConflict((oc) =>
              oc.columns(['model', 'run_id']).doUpdateSet({
                version: row.version,
                at: row.at,
                drifted: row.drifted,
                share: row.share,
                report: row.report,
                html_sha256: row.html_sha256,
              }),
            )
            .returning('id')
            .executeTakeFirstOrThrow();
    return { id: Number(saved.id) };
  });
}

export async function getDriftReport(db: Db, blobs: BlobStore, id: number): Promise<StoredDriftReport> {
  if (!Number.isInteger(id) || id < 1) throw new NotFoundError(`there is no drift report ${id}: report ids are 1, 2, 3…`, { id });
  const row = await db.selectFrom('drift_reports').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`there is no drift report ${id}`, { id });
  const html = row.html_sha256 === null ? null : new TextDecoder().decode(await blobs.get(row.html_sha256));
  return { ...toSummary(row), report: DriftReport.parse(JSON.parse(row.report)), html };
}

export async function listDriftReports(db: Db, model: string, opts: { limit?: number } = {}): Promise<DriftReportSummary[]> {
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1) throw new DataError(`limit must be a positive integer, not ${limit}`);
  const rows = await db
    .selectFrom('drift_reports')
    .select(['id', 'model', 'version', 'run_id', 'at', 'drifted', 'share', 'html_sha256'])
    .where('model', '=', model)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toSummary);
}

function toSummary(
  r: Pick<Selectable<RegistryTables['drift_reports']>, 'id' | 'model' | 'version' | 'run_id' | 'at' | 'drifted' | 'share' | 'html_sha256'>,
): DriftReportSummary {
  return {
    id: Number(r.id),
    model: r.model,
    version: Number(r.version),
    runId: r.run_id,
    at: r.at,
    drifted: Number(r.drifted) === 1,
    share: Number(r.share),
    hasHtml: r.html_sha256 !== null,
  };
}

/** Code-point order, the same on every backend. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
