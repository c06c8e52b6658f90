import { join } from 'node:path';
import type { Command } from 'commander';
import { driftloopHome } from '../../config/paths.js';
import { ConfigError } from '../../errors/index.js';
import { DemoDisplay } from '../../demo/progress.js';
import { DEFAULT_WORLD, DemoInterrupted, runDemo, type DemoSummary } from '../../demo/run-demo.js';

interface DemoFlags {
  json: boolean;
  keep: boolean;
  days: string;
  driftDay: string;
  requestsPerDay: string;
  daySeconds: string;
  port?: string;
  uiPort?: string;
  servePort?: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole loop locally: a Temporal dev server, a worker and a serving process; simulated days of traffic with late labels and a documented drift, ' +
        'each day closed by a scheduled pass (see docs/demo.md)',
    )
    .option('--json', 'print the summary as one JSON object on stdout (progress goes to stderr)', false)
    .option('--keep', 'leave the dev server, the worker and the serving process running after the summary, until Ctrl-C', false)
    .option('--days <n>', 'simulated days', String(DEFAULT_WORLD.days))
    .option('--drift-day <n>', 'first day of the drifted world', String(DEFAULT_WORLD.driftDay))
    .option('--requests-per-day <n>', 'customers (prediction requests) per day', String(DEFAULT_WORLD.requestsPerDay))
    .option('--day-seconds <n>', 'wall-clock seconds one simulated day lasts', String(DEFAULT_WORLD.daySeconds))
    .option('--port <n>', 'Temporal frontend port (default 7233 when free, else any free port)')
    .option('--ui-port <n>', 'Temporal Web UI port (default 8233 when free, else any free port)')
    .option('--serve-port <n>', 'serving port (default 8080 when free, else any free port)')
    .action(async (flags: DemoFlags) => {
      const int = (value: string | undefined, flag: string, min: number, max: number): number | undefined => {
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${flag} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`, { flag });
        return n;
      };
      const days = int(flags.days, '--days', 2, 60)!;
      const driftDay = int(flags.driftDay, '--drift-day', 2, days)!;
      const requestsPerDay = int(flags.requestsPerDay, '--requests-per-day', 150, 20_000)!;
      const daySeconds = int(flags.daySeconds, '--day-seconds', 2, 3600)!;
      const [port, uiPort, servePort] = [int(flags.port, '--port', 1, 65535), int(flags.uiPort, '--ui-port', 1, 65535), int(flags.servePort, '--serve-port', 1, 65535)];

      // Progress is for people; with --json stdout carries the summary alone.
      const out = flags.json ? process.stderr : process.stdout;
      const display = new DemoDisplay((text) => out.write(text), out.isTTY === true, () => (out.columns && out.columns > 0 ? out.columns : 120));
      const home = driftloopHome();
      // The demo is self-contained under DRIFTLOOP_HOME: its registry is SQLite even where PostgreSQL is configured.
      delete process.env.DRIFTLOOP_DATABASE_URL;
      // The worker's JSON log would drown the progress lines: it goes to a file beside the demo's state.
      process.env.DRIFTLOOP_LOG_FILE ??= join(home, 'demo-logs', 'driftloop.log');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await runDemo({
          home,
          world: { days, driftDay, requestsPerDay, daySeconds },
          port,
          uiPort,
          servePort,
          display,
          signal: controller.signal,
          keep: flags.keep,
          onSummary: (summary) => {
            if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
            else for (const line of formatDemoSummary(summary)) display.line(line);
          },
        });
      } catch (err) {
        if (!(err instanceof DemoInterrupted)) throw err;
        display.line('demo: interrupted; stopped the serving process, the worker and the Temporal dev server');
        process.exitCode = 130;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

/** The closing summary a person reads. */
export function formatDemoSummary(s: DemoSummary): string[] {
  const pct = (x: number | null) => (x === null ? '—' : x.toFixed(3));
  const lines = [
    '',
    `summary (${s.seconds} s)`,
    `  requests   ${s.requests.served} served, ${s.requests.failed} failed; ${s.requests.labelled} labels arrived a day late`,
    `  ${s.metric.name.padEnd(10)} ${pct(s.metric.before)} before the retrain (v${s.metric.beforeVersion} on the first labelled drifted day) → ${pct(s.metric.after)} after (v${s.metric.afterVersion} on the last labelled day)`,
    `  versions   ${s.versions.registered} registered; champion v${s.versions.initial} → v${s.versions.final}` +
      (s.promotion ? ` (promoted after day ${s.promotion.after})` : ' (no promotion after the drift)'),
    `  serving    ${s.swaps.length ? s.swaps.map((w) => `v${w.from} → v${w.to} on day ${w.day}`).join(', ') : 'never switched'}; ${s.links.serving}`,
    `  report     ${s.links.report ?? '—'}`,
    `  Temporal   ${s.links.temporalRun ?? s.links.temporalUi}`,
    `  state      ${s.home} (registry, prediction log, reports and data: ${s.home}/demo; Temporal database: ${s.home}/temporal)`,
  ];
  if (s.requests.errors.length) lines.push(`  errors     ${s.requests.errors.join('; ')}`);
  return lines;
}
