import type { Task } from '../config/pipeline.js';
import { ConfigError } from '../errors/index.js';
import type { MetricValues } from '../metrics/metric-value.js';
import type { LoggedPrediction, MetricWindow, Registry } from '../registry/types.js';
import { classifierRow, regressorValues } from './logged-values.js';
import { ClassifierObservations, RegressorObservations } from './observations.js';
import { windowGrid, windowStartOf } from './window-grid.js';

/** What computeMetricWindows needs of the registry. */
export type MetricWindowStore = Pick<Registry, 'readPredictions' | 'saveMetricWindows' | 'getVersion'>;

export interface ComputeMetricWindowsOptions {
  model: string;
  task: Task;
  /** The model's classes (card order); default: each version's model card. */
  classes?: readonly (string | number | boolean)[];
  /** ISO-8601; widened down to the start of its window (see window-grid.ts). */
  since: string;
  /** ISO-8601, default now; widened up to the end of its window. */
  until?: string;
  windowHours: number;
  /** Only these versions (default: every version with predictions in the range). */
  versions?: readonly number[];
  /** Rows read from the prediction log per query (default 5,000). */
  pageSize?: number;
  /** The `computedAt` stamped on every window (default: now). */
  now?: Date;
}

/**
 * Metrics per model version and time window from the prediction log joined
 * with its feedback labels: realised metrics for every (window, version) with
 * labelled rows, and the label-free CBPE estimate (monitoring/cbpe.ts) for a
 * classifier's windows wherever probabilities were logged — also where no
 * label has arrived yet. Windows lie on a fixed grid (window-grid.ts), so
 * the stored rows are upserted idempotently.
 *
 * The log is read in keyset pages in time order; a window's rows are
 * gathered, measured, saved and dropped as soon as the log moves past it,
 * so memory holds one window, not the whole range.
 */
export async function computeMetricWindows(store: MetricWindowStore, opts: ComputeMetricWindowsOptions): Promise<MetricWindow[]> {
  const until = opts.until ?? (opts.now ?? new Date()).toISOString();
  const grid = windowGrid(opts.since, until, opts.windowHours);
  const pageSize = opts.pageSize ?? 5000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new ConfigError(`pageSize must be a positive integer, not ${pageSize}`, { field: 'pageSize' });
  const computedAt = (opts.now ?? new Date()).toISOString();
  const wanted = opts.versions ? new Set(opts.versions) : null;
  const classesOf = versionClasses(store, opts);

  const out: MetricWindow[] = [];
  let open: { startMs: number; groups: Map<number, ClassifierObservations | RegressorObservations> } | null = null;
  const close = async () => {
    if (!open) return;
    const rows = [...open.groups]
      .sort(([a], [b]) => a - b)
      .flatMap(([version, obs]) =>
        windowRows(obs, {
          model: opts.model,
          version,
          windowStart: new Date(open!.startMs).toISOString(),
          windowEnd: new Date(open!.startMs + grid.windowMs).toISOString(),
          computedAt,
        }),
      );
    await store.saveMetricWindows(rows);
    out.push(...rows);
    open = null;
  };

  let after: { at: string; requestId: string } | undefined;
  for (;;) {
    const page: LoggedPrediction[] = await store.readPredictions(opts.model, {
      since: new Date(grid.startMs).toISOString(),
      until: new Date(grid.endMs).toISOString(),
      limit: pageSize,
      ...(after ? { after } : {}),
    });
    for (const p of page) {
      if (wanted && !wanted.has(p.version)) continue;
      const startMs = windowStartOf(grid, Date.parse(p.at));
      if (open && open.startMs !== startMs) await close();
      open ??= { startMs, groups: new Map() };
      let obs = open.groups.get(p.version);
      if (!obs) {
        obs = opts.task === 'regression' ? new RegressorObservations() : new ClassifierObservations(await classesOf(p.version));
        open.groups.set(p.version, obs);
      }
      if (obs instanceof RegressorObservations) {
        const v = regressorValues(p);
        obs.add(v.predicted, v.truth);
      } else {
        obs.add(classifierRow(p, obs.classes));
      }
    }
    if (page.length < pageSize) break;
    const last = page.at(-1)!;
    after = { at: last.at, requestId: last.requestId };
  }
  await close();
  return out;
}

/** The rows to store for one version's window: realised where labelled, estimated where probabilities exist. */
function windowRows(
  obs: ClassifierObservations | RegressorObservations,
  at: Pick<MetricWindow, 'model' | 'version' | 'windowStart' | 'windowEnd' | 'computedAt'>,
): MetricWindow[] {
  const base = { ...at, rows: obs.rows, labelledRows: obs.labelledRows };
  const rows = (kind: MetricWindow['kind'], values: MetricValues) =>
    Object.entries(values).map(([metric, v]): MetricWindow => ({ ...base, metric, kind, value: v.value, reason: v.reason ?? null }));
  const out: MetricWindow[] = [];
  if (obs.labelledRows > 0) out.push(...rows('realised', obs.realised()));
  if (obs instanceof ClassifierObservations) {
    const estimated = obs.estimated();
    if (estimated) out.push(...rows('estimated', estimated));
  }
  return out;
}

/** Each version's classes as text, from the options or (once per version) its model card. */
function versionClasses(store: MetricWindowStore, opts: ComputeMetricWindowsOptions): (version: number) => Promise<string[]> {
  const cache = new Map<number, string[]>();
  return async (version) => {
    if (opts.classes) return opts.classes.map(String);
    let classes = cache.get(version);
    if (!classes) {
      const card = (await store.getVersion(opts.model, version)).card;
      if (!card.classes || card.classes.length < 2) {
        throw new ConfigError(`${opts.model} v${version} is a ${card.task} model without classes; monitoring it as ${opts.task} needs a classifier`, {
          field: 'task',
        });
      }
      classes = card.classes.map(String);
      cache.set(version, classes);
    }
    return classes;
  };
}
