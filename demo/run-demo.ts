import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { loadPipelineConfig } from '../config/load.js';
import { writeCsv } from '../dataset/csv.js';
import { SYNTHETIC_FEATURES, SYNTHETIC_HEADER } from '../dataset/synthetic.js';
import { connectClient } from '../client/temporal.js';
import { passStartOptions, passWorkflowId, rootMessage } from '../client/pass.js';
import { createSchedule, deleteSchedule, scheduleId, triggerSchedule } from '../client/schedules.js';
import { freePort, startDevServer } from '../devserver/dev-server.js';
import { DriftloopError } from '../errors/index.js';
import { openRegistry } from '../registry/open.js';
import { ReportFiles } from '../reports/file-store.js';
import { reportSource } from '../reports/source.js';
import { registryPredictionSink } from '../serving/prediction-sinks.js';
import { createServingServer } from '../serving/server.js';
import { startWorker } from '../worker/start.js';
import type { ScheduledPassResult } from '../workflows/scheduled-pass.js';
import type { PassSummary } from '../workflows/summary.js';
import { bar, type DemoDisplay } from './progress.js';
import { replayDay, sleep, type DayTraffic, type PendingLabel } from './traffic.js';
import { customersOfDay, DEMO_MODEL, writeDemoProject, type WorldOptions } from './world.js';

export class DemoInterrupted extends DriftloopError {
  readonly code = 'INTERRUPTED';
}

export interface DemoOptions {
  /** DRIFTLOOP_HOME: the Temporal database goes to <home>/temporal, the demo's registry and files to <home>/demo. */
  home: string;
  world?: Partial<WorldOptions>;
  /** Temporal frontend, Web UI and serving ports (default: 7233, 8233, 8080 when free, else any free port). */
  port?: number;
  uiPort?: number;
  servePort?: number;
  display: DemoDisplay;
  /** Ctrl-C: everything the demo started is stopped and it throws DemoInterrupted. */
  signal: AbortSignal;
  /** Called with the summary while everything still runs. */
  onSummary: (summary: DemoSummary) => void;
  /** --keep: leave the dev server, worker and serving process running until the signal aborts. */
  keep?: boolean;
}

export const DEFAULT_WORLD: WorldOptions = { days: 6, driftDay: 3, requestsPerDay: 400, daySeconds: 8 };
const SCHEDULE = 'churn-demo';
const TASK_QUEUE = 'driftloop-demo';
/** No traffic between a day's last request and its pass's trigger; also the slack of the pass's window. */
const NIGHT_MS = 4_000;

export interface PassRecord {
  /** "bootstrap", or the simulated day the pass closed. */
  after: 'bootstrap' | number;
  workflowId: string;
  runId: string;
  decision: string | null;
  retrainReasons: string[];
  /** The champion's metric on the window's labelled rows (null: none labelled yet, or no champion). */
  monitor: { version: number; value: number | null; labelledRows: number; windowRows: number } | null;
  drift: { detected: boolean; drifted: string[] } | null;
  evaluation: { champion: number; candidate: number; won: boolean; holdoutRows: number } | null;
  candidateVersion: number | null;
  promotedVersion: number | null;
  seconds: number;
  report: string | null;
  temporalUi: string;
}

export interface DaySummary {
  day: number;
  drifted: boolean;
  served: number;
  failed: number;
  /** Labels of the day before posted today. */
  labelled: number;
  labelsFailed: number;
  byVersion: Record<string, number>;
}

export interface DemoSummary {
  model: string;
  world: WorldOptions;
  requests: { served: number; failed: number; labelled: number; labelsFailed: number; errors: string[] };
  days: DaySummary[];
  passes: PassRecord[];
  /** The first promotion after the drift began. */
  promotion: (PassRecord & { from: number; to: number }) | null;
  /** Serving's switches between versions, with the simulated day they happened on. */
  swaps: { from: string; to: string; day: number }[];
  /**
   * The pipeline's monitor metric from served traffic: `before` is the
   * champion of the time on the first labelled drifted day, `after` the
   * final champion on the last labelled day.
   */
  metric: { name: string; before: number | null; beforeVersion: number | null; after: number | null; afterVersion: number | null };
  versions: { initial: number | null; final: number | null; registered: number };
  links: { serving: string; reports: string; report: string | null; temporalUi: string; temporalRun: string | null };
  home: string;
  seconds: number;
}

/**
 * The main job on this machine: a file-backed Temporal dev server, a worker,
 * a serving process following the registry's champion, and simulated days of
 * production traffic through the serving API with late labels, each day
 * closed by a pass of the loop started by a Temporal Schedule. From
 * `driftDay` on the world drifts; the passes notice, retrain, evaluate,
 * sandbox and promote, and serving switches version under live traffic.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const world: WorldOptions = { ...DEFAULT_WORLD, ...opts.world };
  const { display, signal } = opts;
  const began = Date.now();
  const demoHome = join(opts.home, 'demo');
  const checkpoint = () => {
    if (signal.aborted) throw new DemoInterrupted('interrupted');
  };
  // Each demo starts from an empty registry so its story is always the same; the Temporal database
  // (and so the history of earlier demos in the Web UI) is kept.
  await rm(demoHome, { recursive: true, force: true });
  const project = await writeDemoProject(join(demoHome, 'example'), world);
  const pipeline = await loadPipelineConfig(project.config);
  display.line(`data and pipeline config written to ${project.dir}`);

  // Undone in reverse order, whatever happens.
  const cleanups: (() => Promise<unknown>)[] = [];
  const passes: PassRecord[] = [];
  const days: DaySummary[] = [];
  const swaps: DemoSummary['swaps'] = [];
  const errors: string[] = [];
  let today = 0;
  let current: DayTraffic | null = null;
  try {
    const port = opts.port ?? (await portOr(7233));
    const uiPort = opts.uiPort ?? (await portOr(8233));
    display.line('starting the Temporal dev server…');
    const server = await startDevServer({ home: join(opts.home, 'temporal'), port, uiPort });
    cleanups.push(() => server.stop());
    display.line(`Temporal dev server ${server.address} (pid ${server.pid}), database ${join(opts.home, 'temporal')}; Web UI ${server.uiUrl}`);
    checkpoint();
    display.line('bundling the workflows and starting a worker…');
    const worker = await startWorker({ address: server.address, namespace: server.namespace, taskQueue: TASK_QUEUE, home: demoHome });
    cleanups.push(() => worker.stop());
    checkpoint();
    const client = await connectClient({ address: server.address, namespace: server.namespace, taskQueue: TASK_QUEUE });
    cleanups.push(() => client.connection.close());
    // Runs before the worker stops: a pass cut short by Ctrl-C must not wait in the database for the next demo.
    const started: { workflowId: string; runId: string }[] = [];
    cleanups.push(() => endPasses(client, started));
    await endPasses(client, []);
    await deleteSchedule(client, SCHEDULE).catch(() => undefined);
    await createSchedule(client, {
      name: SCHEDULE,
      pipeline,
      configFile: project.config,
      taskQueue: TASK_QUEUE,
      timing: { every: '1d' },
      paused: true,
      note: 'driftloop demo: triggered at the end of each simulated day',
    });
    display.line(`Temporal Schedule driftloop-${SCHEDULE} created (paused; the demo triggers it at the end of each simulated day)`);
    const runUrl = (workflowId: string, runId: string) => `${server.uiUrl}/namespaces/${server.namespace}/workflows/${workflowId}/${runId}/history`;

    let servingUrl = '';
    let passLine = '';
    let lastRunId: string | null = null;
    /**
     * Triggers the schedule and follows the pass with its `status` query.
     * `checked` settles once monitor and drift are behind it (the next day's
     * traffic starts then, so that it stays out of this pass's window), `done`
     * with the pass's record.
     */
    const runPass = (after: PassRecord['after']): { checked: Promise<void>; done: Promise<PassRecord> } => {
      let markChecked = () => {};
      const checked = new Promise<void>((resolve) => (markChecked = resolve));
      const title = after === 'bootstrap' ? 'first pass (no model yet)' : `pass after day ${after}`;
      const done = (async () => {
        const t0 = Date.now();
        try {
          const tick = await triggerSchedule(client, SCHEDULE, 15_000);
          if (!tick) throw new Error(`schedule driftloop-${SCHEDULE} did not start a pass`);
          started.push(tick);
          const wrapper = client.workflow.getHandle(tick.workflowId, tick.runId);
          const pass = client.workflow.getHandle(passWorkflowId(DEMO_MODEL));
          let finished = false;
          const result = wrapper.result().finally(() => (finished = true)) as Promise<ScheduledPassResult>;
          result.catch(() => undefined);
          let shown: string | null = null;
          while (!finished && !signal.aborted) {
            const elapsed = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
            try {
              const s = await pass.query<PassSummary>('status');
              // Until the schedule's pass has started, the query answers for the previous one.
              if (s.runId === lastRunId) throw new Error('not started yet');
              if (s.stage && s.stage !== shown) {
                shown = s.stage;
                display.event(`  ${title} ▸ ${s.stage}`);
              }
              if (s.stages.drift.status === 'done' || s.stages.drift.status === 'skipped') markChecked();
              passLine = `${title}: ${s.stage ? `▸ ${s.stage}` : 'finishing'} (${elapsed})`;
            } catch {
              passLine = `${title}: starting (${elapsed})`;
            }
            redraw();
            await sleep(250, signal);
          }
          checkpoint();
          let outcome: ScheduledPassResult;
          try {
            outcome = await result;
          } catch (err) {
            throw new Error(`${title} failed: ${rootMessage(err)}`);
          }
          if (outcome.status !== 'ran') throw new Error(`${title} did not run: ${outcome.reason}`);
          lastRunId = outcome.runId;
          const record = passRecord(after, outcome, (Date.now() - t0) / 1000, servingUrl, runUrl(outcome.workflowId, outcome.runId));
          passes.push(record);
          passLine = '';
          display.line(decisionLine(title, record));
          redraw();
          return record;
        } finally {
          markChecked();
        }
      })();
      done.catch(() => undefined);
      return { checked, done };
    };
    /** Points the schedule's pass at the prediction log since `since` (yesterday's start): passes make the days uneven. */
    const windowSince = async (since: number) => {
      // The monitor reads its window a moment after the trigger (seconds on a busy machine): NIGHT_MS of
      // slack, which never reaches back into the day before yesterday as every night is that quiet.
      const hours = (Date.now() + NIGHT_MS - since) / 3_600_000;
      const windowed = { ...pipeline, monitor: { ...pipeline.monitor, window: { kind: 'prediction-log' as const, hours } } };
      const pass = passStartOptions(windowed, { taskQueue: TASK_QUEUE, trigger: { kind: 'schedule', scheduleId: scheduleId(SCHEDULE) } });
      await client.schedule.getHandle(scheduleId(SCHEDULE)).update((prev) => ({
        ...prev,
        action: {
          type: 'startWorkflow',
          workflowType: 'scheduledPass',
          workflowId: scheduleId(SCHEDULE),
          taskQueue: TASK_QUEUE,
          args: [{ pass: pass.args[0], memo: pass.memo }],
          typedSearchAttributes: pass.typedSearchAttributes,
          memo: pass.memo,
        },
      }));
    };
    let dayLine = '';
    const redraw = () => display.live([dayLine, passLine].filter((l) => l !== ''));

    display.line(`first pass: train version 1 of "${DEMO_MODEL}" on ${project.dir}/reference.csv`);
    await runPass('bootstrap').done;
    checkpoint();

    const registry = await openRegistry({ DRIFTLOOP_HOME: demoHome });
    cleanups.push(() => registry.close());
    const serving = await createServingServer({
      source: { registry, model: DEMO_MODEL, alias: 'champion' },
      host: '127.0.0.1',
      port: opts.servePort ?? (await portOr(8080)),
      pollMs: 250,
      sink: registryPredictionSink(registry),
      reports: reportSource({ files: new ReportFiles(join(demoHome, 'reports')), registry }),
      logger: false,
      events: {
        swap: (from, to) => {
          swaps.push({ from: from.version, to: to.version, day: today });
          const failed = days.reduce((n, d) => n + d.failed, 0) + (current?.failed ?? 0);
          display.line(`serving switched ${from.name} v${from.version} → v${to.version} during day ${today}, under live traffic (${failed} failed requests so far)`);
        },
      },
    });
    cleanups.push(() => serving.close());
    servingUrl = serving.url;
    for (const p of passes) if (p.report) p.report = servingUrl + p.report;
    display.line(`serving ${DEMO_MODEL} v${serving.follower.current.identity.version} (follows champion) at ${serving.url} · reports ${serving.url}/reports`);
    display.line(
      `replaying ${world.days} days of ${world.requestsPerDay} customers (1 day = ${world.daySeconds} s); labels arrive a day late; the world drifts from day ${world.driftDay}`,
    );

    let labels: PendingLabel[] = [];
    let running: Promise<PassRecord> | null = null;
    let yesterday: { since: number; until: number } | null = null;
    for (let day = 1; day <= world.days; day++) {
      checkpoint();
      today = day;
      const drifted = day >= world.driftDay;
      const since = Date.now();
      const customers = customersOfDay(day, world);
      const labelsDue = labels.length;
      // Yesterday's pass runs during today's traffic; while it still runs, customers keep coming.
      let passRunning = running !== null;
      void running?.finally(() => (passRunning = false));
      const show = (t: DayTraffic) => {
        current = t;
        const versions = Object.keys(t.byVersion).map((v) => `v${v}`).join('+') || '—';
        const overtime = t.served + t.failed > world.requestsPerDay ? ' (overtime: the pass still runs)' : '';
        dayLine =
          `day ${day}/${world.days}${drifted ? ' (drifted)' : ''} ${bar(t.served + t.failed, world.requestsPerDay)} ` +
          `${t.served}/${world.requestsPerDay} served by ${versions}${overtime} · ${t.labelled}/${labelsDue} labels of day ${day - 1} · ${t.failed} failed`;
        redraw();
      };
      show({ served: 0, failed: 0, labelled: 0, labelsFailed: 0, byVersion: {}, pending: [], errors: [] });
      const traffic: DayTraffic = await replayDay({
        url: serving.url,
        customers,
        count: world.requestsPerDay,
        overtime: () => passRunning,
        labels,
        durationMs: world.daySeconds * 1000,
        signal,
        onProgress: show,
      });
      checkpoint();
      const until = Date.now();
      current = null;
      errors.push(...traffic.errors);
      days.push({ day, drifted, served: traffic.served, failed: traffic.failed, labelled: traffic.labelled, labelsFailed: traffic.labelsFailed, byVersion: traffic.byVersion });
      dayLine = '';
      display.line(
        `day ${day}${drifted ? ' (drifted)' : ''}: ${traffic.served} predictions served (${Object.entries(traffic.byVersion).map(([v, n]) => `v${v} ${n}`).join(', ')}), ` +
          `${traffic.failed} failed; ${traffic.labelled} labels of day ${day - 1} arrived`,
      );
      // The day's traffic only ends once yesterday's pass has finished.
      if (running) await running;
      checkpoint();
      labels = traffic.pending;
      if (yesterday) await exportLabelled(registry, yesterday, project.current);
      // A quiet night, as long as the window's slack.
      await sleep(Math.max(0, until + NIGHT_MS - Date.now()), signal);
      checkpoint();
      await windowSince(yesterday?.since ?? since);
      yesterday = { since, until };
      const pass = runPass(day);
      running = pass.done;
      // The next morning's traffic waits for tonight's checks of today's window.
      await Promise.race([pass.checked, pass.done]);
    }
    if (running) await running;
    checkpoint();

    const models = await registry.listModels();
    const model = models.find((m) => m.model === DEMO_MODEL);
    const bootstrap = passes[0]!;
    const promotion = passes.find((p) => typeof p.after === 'number' && p.after >= world.driftDay && p.promotedVersion !== null) ?? null;
    // The first pass whose labelled rows are drifted traffic: labels of day `driftDay` arrive on the next day.
    const firstDrifted = passes.find((p) => typeof p.after === 'number' && p.after === world.driftDay + 1);
    const last = passes[passes.length - 1]!;
    const summary: DemoSummary = {
      model: DEMO_MODEL,
      world,
      requests: {
        served: sum(days, (d) => d.served),
        failed: sum(days, (d) => d.failed),
        labelled: sum(days, (d) => d.labelled),
        labelsFailed: sum(days, (d) => d.labelsFailed),
        errors: errors.slice(0, 5),
      },
      days,
      passes,
      promotion: promotion ? { ...promotion, from: promotion.monitor?.version ?? 0, to: promotion.promotedVersion! } : null,
      swaps,
      metric: {
        name: pipeline.monitor.metric ?? 'accuracy',
        before: firstDrifted?.monitor?.value ?? null,
        beforeVersion: firstDrifted?.monitor?.version ?? null,
        after: last.monitor?.value ?? null,
        afterVersion: last.monitor?.version ?? null,
      },
      versions: { initial: bootstrap.promotedVersion, final: model?.champion ?? null, registered: model?.versions ?? 0 },
      links: {
        serving: servingUrl,
        reports: `${servingUrl}/reports`,
        report: promotion?.report ?? last.report,
        temporalUi: `${server.uiUrl}/namespaces/${server.namespace}/workflows`,
        temporalRun: promotion?.temporalUi ?? last.temporalUi,
      },
      home: opts.home,
      seconds: Math.round((Date.now() - began) / 100) / 10,
    };
    display.close();
    opts.onSummary(summary);
    if (opts.keep) {
      display.line(`still running: Temporal ${server.address} (Web UI ${server.uiUrl}), a worker on "${TASK_QUEUE}", serving at ${servingUrl}. Ctrl-C stops them.`);
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    }
    return summary;
  } finally {
    display.close();
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch {
        // Stopping one part must not keep the others running.
      }
    }
  }
}

/** Terminates the demo's passes still running (and any left over by a demo that was killed). */
async function endPasses(client: Client, started: { workflowId: string; runId: string }[]): Promise<void> {
  const ids = [...started.map((s) => s.workflowId), passWorkflowId(DEMO_MODEL)];
  for (const id of ids) {
    try {
      const handle = client.workflow.getHandle(id);
      const d = await handle.describe();
      if (d.status.name === 'RUNNING') await handle.terminate('driftloop demo stopped');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}

/** The labelled rows of a past day's traffic become the newest labelled window a retrain learns from. */
async function exportLabelled(registry: Awaited<ReturnType<typeof openRegistry>>, range: { since: number; until: number }, file: string): Promise<void> {
  const logged = await registry.readPredictions(DEMO_MODEL, { since: new Date(range.since).toISOString(), until: new Date(range.until + 1_000).toISOString(), labelledOnly: true });
  if (logged.length === 0) return;
  const rows = logged.map((p) => [...SYNTHETIC_FEATURES.map((f) => String(p.features[f.name] ?? '')), String(p.label)]);
  await writeCsv(file, SYNTHETIC_HEADER, rows);
}

function passRecord(after: PassRecord['after'], outcome: Extract<ScheduledPassResult, { status: 'ran' }>, seconds: number, servingUrl: string, temporalUi: string): PassRecord {
  const s = outcome.summary;
  const monitor = s.stages.monitor.status === 'done' && s.stages.monitor.result.status === 'measured' ? s.stages.monitor.result : null;
  const drift = s.stages.drift.status === 'done' ? s.stages.drift.result : null;
  const evaluation = s.stages.evaluate.status === 'done' ? s.stages.evaluate.result : null;
  const promote = s.stages.promote.status === 'done' ? s.stages.promote.result : null;
  return {
    after,
    workflowId: outcome.workflowId,
    runId: outcome.runId,
    decision: s.decision,
    retrainReasons: s.retrainReasons,
    monitor: monitor ? { version: monitor.champion.version, value: monitor.value, labelledRows: monitor.rows, windowRows: monitor.windowRows } : null,
    drift: drift ? { detected: drift.detected, drifted: drift.drifted } : null,
    evaluation: evaluation ? { champion: evaluation.champion, candidate: evaluation.candidate, won: evaluation.won, holdoutRows: evaluation.holdoutRows } : null,
    candidateVersion: s.candidate?.version ?? (promote?.version ?? null),
    promotedVersion: promote?.promoted ? promote.version : null,
    seconds: Math.round(seconds * 10) / 10,
    report: s.report?.status === 'written' ? servingUrl + s.report.href : null,
    temporalUi,
  };
}

/** One line per pass: what it measured and what it decided. */
export function decisionLine(title: string, p: PassRecord): string {
  const parts: string[] = [];
  if (p.monitor) {
    parts.push(
      p.monitor.value === null
        ? `v${p.monitor.version}: no labels yet (${p.monitor.windowRows} rows)`
        : `v${p.monitor.version} accuracy ${p.monitor.value.toFixed(3)} on ${p.monitor.labelledRows} labelled rows`,
    );
  }
  if (p.drift) parts.push(p.drift.detected ? `DRIFT in ${p.drift.drifted.join(', ')}` : 'no drift');
  if (p.evaluation) parts.push(`candidate ${p.evaluation.candidate.toFixed(3)} vs champion ${p.evaluation.champion.toFixed(3)} on ${p.evaluation.holdoutRows} held-out rows`);
  const decided = p.promotedVersion !== null ? `${p.decision} v${p.promotedVersion}` : (p.decision ?? 'undecided');
  return `${title}: ${decided}${parts.length ? ` — ${parts.join('; ')}` : ''} (${p.seconds} s)`;
}

const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);

/** The conventional port when it is free (so addresses are the familiar ones), any free port otherwise. */
async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => void freePort().then(resolve));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(preferred)));
  });
}
