import type { Command } from 'commander';
import { ConfigError } from '../../errors/index.js';
import { CLASSIFICATION_METRICS } from '../../metrics/classification-metrics.js';
import { REGRESSION_METRICS } from '../../metrics/regression-metrics.js';
import { computeMetricWindows } from '../../monitoring/compute-windows.js';
import { parseModelName, parseVersion, requireModel } from '../../registry/model-ref.js';
import { openRegistry } from '../../registry/open.js';
import type { MetricWindow } from '../../registry/types.js';

interface MetricsOptions {
  since: string;
  until?: string;
  version?: string;
  metric?: string;
  refresh: boolean;
  windowHours: string;
  json: boolean;
}

/** `driftloop metrics NAME`: a model's metric history per version and time window. */
export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .description(
      'the metric history of a model: metrics per version and time window from the prediction log joined with feedback ' +
        '(realised), beside the label-free estimate from the logged probabilities (estimated); see docs/monitoring.md',
    )
    .argument('<model>', 'model name')
    .option('--since <time>', 'from this time: ISO-8601, or a duration back from now (7d, 24h, 30m)', '7d')
    .option('--until <time>', 'up to this time: ISO-8601 or a duration back from now (default: now)')
    .option('--version <n>', 'only this version')
    .option('--metric <name>', `only this metric (${[...CLASSIFICATION_METRICS, ...REGRESSION_METRICS].join(', ')})`)
    .option('--refresh', 'first recompute the windows in the range from the prediction log and store them', false)
    .option('--window-hours <hours>', 'window length for --refresh (windows are aligned to UTC: 24 gives UTC days)', '24')
    .option('--json', 'print one JSON object: {model, since, until, windows: [...]}', false)
    .action(async (name: string, opts: MetricsOptions) => {
      const model = parseModelName(name);
      const now = new Date();
      const since = parseTime(opts.since, now, '--since');
      const until = opts.until === undefined ? now.toISOString() : parseTime(opts.until, now, '--until');
      const version =
        opts.version === undefined ? undefined : parseVersion(opts.version, (why) => new ConfigError(`invalid --version ${JSON.stringify(opts.version)}: ${why}`));
      const registry = await openRegistry(process.env);
      try {
        await requireModel(registry, model);
        if (opts.refresh) {
          const windowHours = Number(opts.windowHours);
          const versions = await registry.listVersions(model);
          // The task of the model is its newest version's (every version of a pipeline has the pipeline's task).
          const task = versions.at(-1)!.card.task;
          await computeMetricWindows(registry, {
            model,
            task,
            since,
            until,
            windowHours,
            ...(version !== undefined ? { versions: [version] } : {}),
            now,
          });
        }
        const windows = await registry.listMetricWindows(model, {
          since,
          until,
          ...(version !== undefined ? { version } : {}),
          ...(opts.metric !== undefined ? { metric: opts.metric } : {}),
        });
        if (opts.json) return console.log(JSON.stringify({ model, since, until, windows }));
        console.log(historyTable(model, windows));
      } finally {
        await registry.close();
      }
    });
}

/** An ISO-8601 time, or a duration back from `now`: 7d, 24h, 30m. */
export function parseTime(text: string, now: Date, option: string): string {
  const m = /^(\d+(?:\.\d+)?)([dhm])$/.exec(text.trim());
  if (m) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - Number(m[1]) * unit).toISOString();
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ConfigError(`${option} must be an ISO-8601 time or a duration such as 7d, 24h or 30m, not ${JSON.stringify(text)}`, { field: option });
  return new Date(ms).toISOString();
}

const ORDER = new Map<string, number>([...CLASSIFICATION_METRICS, ...REGRESSION_METRICS].map((m, i) => [m, i]));

/** One line per (window, version, metric), realised and estimated side by side. */
function historyTable(model: string, windows: MetricWindow[]): string {
  if (windows.length === 0) return `no metric windows for ${model} in this range (run with --refresh to compute them from the prediction log)`;
  const lines = new Map<string, { w: MetricWindow; realised?: MetricWindow; estimated?: MetricWindow }>();
  for (const w of windows) {
    const key = `${w.windowStart}|${w.windowEnd}|${w.version}|${w.metric}`;
    const line = lines.get(key) ?? { w };
    line[w.kind] = w;
    lines.set(key, line);
  }
  const rank = (m: string) => ORDER.get(m) ?? ORDER.size;
  const sorted = [...lines.values()].sort(
    (a, b) =>
      compare(a.w.windowStart, b.w.windowStart) ||
      compare(a.w.windowEnd, b.w.windowEnd) ||
      a.w.version - b.w.version ||
      rank(a.w.metric) - rank(b.w.metric) ||
      compare(a.w.metric, b.w.metric),
  );
  const value = (w: MetricWindow | undefined) => (w === undefined ? '-' : w.value === null ? 'n/a' : w.value.toFixed(4));
  return table(
    ['WINDOW', 'VERSION', 'METRIC', 'REALISED', 'ESTIMATED', 'ROWS', 'LABELLED'],
    sorted.map((l) => [
      `${short(l.w.windowStart)} → ${short(l.w.windowEnd)}`,
      `v${l.w.version}`,
      l.w.metric,
      value(l.realised),
      value(l.estimated),
      String(l.w.rows),
      String(l.w.labelledRows),
    ]),
  );
}

/** 2025-01-01T00:00:00.000Z → 2025-01-01 00:00 (windows are whole minutes). */
function short(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
