import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleOptionsAction } from '@temporalio/client';
import { ConfigError, DriftloopError, NotFoundError } from '../errors/index.js';
import { ModelName } from '../config/model-name.js';
import type { PipelineConfig } from '../config/pipeline.js';
import { passStartOptions } from './pass.js';

/**
 * driftloop's Temporal Schedules: each one starts `retrainPipeline` passes of
 * one model on an interval or a cron expression. Temporal keeps the schedule
 * (and its catch-up after an outage); nothing of ours has to stay running.
 */

/** Schedule ids are prefixed so that `list` shows only driftloop's schedules in a shared namespace. */
const PREFIX = 'driftloop-';

export function scheduleId(name: string): string {
  return `${PREFIX}${name}`;
}

export class ScheduleExistsError extends DriftloopError {
  readonly code = 'SCHEDULE_EXISTS';
}

/** How often: exactly one of an interval or a cron expression. */
export type ScheduleTiming = { every: string } | { cron: string };

export interface CreateScheduleOptions extends ScheduleSettings {
  pipeline: PipelineConfig;
  /** The config file the pipeline was loaded from (shown by `list`; the schedule keeps a snapshot). */
  configFile: string;
  taskQueue: string;
}

export interface ScheduleInfo {
  name: string;
  scheduleId: string;
  /** What each tick starts: a retrain pass, or a batch-scoring run (client/batch-schedule.ts). */
  kind: 'retrain' | 'batch';
  model: string | null;
  config: string | null;
  /** "every 1h" or "cron 0 3 * * *", as given at creation. */
  timing: string | null;
  taskQueue: string | null;
  paused: boolean;
  note: string | null;
  catchupWindowMs: number;
  overlap: string;
  nextRuns: string[];
  recentRuns: { workflowId: string; runId: string; scheduledAt: string; takenAt: string }[];
  skippedOverlap: number;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "1h", "1d", "90s" → milliseconds; anything else is a ConfigError naming the flag. */
export function parseDuration(text: string, flag: string): number {
  const m = /^([1-9][0-9]{0,8})([smhd])$/.exec(text.trim());
  if (!m) throw new ConfigError(`${flag}: "${text}" is not a duration like 90s, 30m, 1h or 1d`, { flag, value: text });
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** Schedule names follow the model-name rules: they become part of the schedule id. */
export function parseScheduleName(name: string): string {
  const parsed = ModelName.safeParse(name);
  if (!parsed.success) throw new ConfigError(`schedule name "${name}": ${parsed.error.issues[0]!.message}`, { name });
  return parsed.data;
}

/** A schedule's name, timing and catch-up window, checked before Temporal is contacted. */
export interface ScheduleSettings {
  name: string;
  timing: ScheduleTiming;
  /** Missed runs later than this after an outage are skipped (default 1h). */
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
}

/** The checked settings: the schedule's name, Temporal's spec, the catch-up window (ms) and the timing as shown by `list`. */
export function prepareSchedule(opts: ScheduleSettings) {
  const name = parseScheduleName(opts.name);
  const timing = 'every' in opts.timing ? `every ${opts.timing.every}` : `cron ${opts.timing.cron}`;
  const spec =
    'every' in opts.timing
      ? { intervals: [{ every: parseDuration(opts.timing.every, '--every') }] }
      : { cronExpressions: [opts.timing.cron] };
  const catchupWindow = parseDuration(opts.catchupWindow ?? '1h', '--catchup-window');
  if (catchupWindow < 10_000) throw new ConfigError('--catchup-window: must be at least 10s (Temporal\'s minimum)');
  return { name, timing, spec, catchupWindow };
}

/**
 * Creates a driftloop schedule (retrain or batch) from prepared settings:
 * overlap SKIP, the catch-up window, the memo `list` shows, and Temporal's
 * refusals turned into typed one-line errors.
 */
export async function submitSchedule(
  client: Client,
  opts: ScheduleSettings,
  prepared: ReturnType<typeof prepareSchedule>,
  action: ScheduleOptionsAction,
  memo: Record<string, unknown>,
): Promise<ScheduleInfo> {
  const { name, spec, catchupWindow } = prepared;
  try {
    await client.schedule.create({
      scheduleId: scheduleId(name),
      spec,
      action,
      // SKIP: a tick while this schedule's previous run still runs starts nothing.
      policies: { overlap: 'SKIP', catchupWindow },
      memo,
      state: { paused: opts.paused ?? false, ...(opts.note ? { note: opts.note } : {}) },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) {
      throw new ScheduleExistsError(`schedule "${name}" already exists (id ${scheduleId(name)}); delete it first to change it`, { name });
    }
    // The SDK turns the server's "Invalid schedule spec" into a TypeError; other refusals stay gRPC INVALID_ARGUMENT.
    if ((err instanceof TypeError || isInvalidArgument(err)) && 'cron' in opts.timing) {
      throw new ConfigError(`--cron: "${opts.timing.cron}" rejected by Temporal: ${oneLine(err)}`, { cron: opts.timing.cron });
    }
    throw err;
  }
  return describeSchedule(client, name);
}

export async function createSchedule(client: Client, opts: CreateScheduleOptions): Promise<ScheduleInfo> {
  const prepared = prepareSchedule(opts);
  const { name, timing } = prepared;
  const pass = passStartOptions(opts.pipeline, { taskQueue: opts.taskQueue, trigger: { kind: 'schedule', scheduleId: scheduleId(name) } });
  // Overlap SKIP only holds within one schedule: a second schedule of the same model could overlap its passes.
  const other = (await listSchedules(client)).find((s) => s.kind === 'retrain' && s.model === opts.pipeline.model && s.name !== name);
  if (other) {
    throw new ScheduleExistsError(
      `model "${opts.pipeline.model}" already has schedule "${other.name}"; one schedule per model keeps its passes from overlapping`,
      { name, model: opts.pipeline.model, existing: other.name },
    );
  }
  // Temporal appends the scheduled time to a schedule's workflow ids, so a tick starts `scheduledPass`
  // (driftloop-<name>-<time>), which starts the pass itself under the model's one pass id: a tick while
  // a manual or GitHub pass runs starts nothing (workflows/scheduled-pass.ts).
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: 'scheduledPass',
    workflowId: scheduleId(name),
    taskQueue: pass.taskQueue,
    args: [{ pass: pass.args[0], memo: pass.memo }],
    typedSearchAttributes: pass.typedSearchAttributes,
    memo: pass.memo,
  };
  return submitSchedule(client, opts, prepared, action, { model: opts.pipeline.model, config: opts.configFile, timing });
}

export async function describeSchedule(client: Client, name: string): Promise<ScheduleInfo> {
  const id = scheduleId(parseScheduleName(name));
  return toInfo(await notFoundAsTyped(name, () => client.schedule.getHandle(id).describe()));
}

/** Every driftloop schedule in the namespace, described (the list endpoint alone may lag behind pauses). */
export async function listSchedules(client: Client): Promise<ScheduleInfo[]> {
  const ids: string[] = [];
  for await (const summary of client.schedule.list()) {
    if (summary.scheduleId.startsWith(PREFIX)) ids.push(summary.scheduleId);
  }
  const infos: ScheduleInfo[] = [];
  for (const id of ids.sort()) {
    try {
      infos.push(toInfo(await client.schedule.getHandle(id).describe()));
    } catch (err) {
      // Deleted between the list and the describe: the listing is eventually consistent.
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return infos;
}

export async function pauseSchedule(client: Client, name: string, note?: string): Promise<void> {
  await withHandle(client, name, (h) => h.pause(note ?? 'paused with driftloop schedule pause'));
}

export async function unpauseSchedule(client: Client, name: string, note?: string): Promise<void> {
  await withHandle(client, name, (h) => h.unpause(note ?? 'unpaused with driftloop schedule unpause'));
}

export async function deleteSchedule(client: Client, name: string): Promise<void> {
  await withHandle(client, name, (h) => h.delete());
}

/**
 * Takes the schedule's action now (under its overlap policy: skipped while
 * its previous pass still runs) and returns the workflow it started, if it
 * shows up in the schedule's recent actions within `waitMs`.
 */
export async function triggerSchedule(
  client: Client,
  name: string,
  waitMs = 5_000,
): Promise<{ workflowId: string; runId: string } | null> {
  const before = await describeSchedule(client, name);
  const seen = new Set(before.recentRuns.map((r) => r.runId));
  // The SDK's trigger() defaults to ALLOW_ALL; a manual trigger must not overlap a running pass either.
  await withHandle(client, name, (h) => h.trigger('SKIP'));
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const now = await describeSchedule(client, name);
    const started = now.recentRuns.find((r) => !seen.has(r.runId));
    if (started) return { workflowId: started.workflowId, runId: started.runId };
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

async function withHandle(
  client: Client,
  name: string,
  fn: (h: ReturnType<Client['schedule']['getHandle']>) => Promise<void>,
): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId(parseScheduleName(name)));
  await notFoundAsTyped(name, () => fn(handle));
}

async function notFoundAsTyped<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new NotFoundError(`no schedule "${name}" (id ${scheduleId(name)})`, { name });
    throw err;
  }
}

function toInfo(d: ScheduleDescription): ScheduleInfo {
  const memo = (d.memo ?? {}) as { model?: string; config?: string; timing?: string };
  const action = d.action;
  return {
    name: d.scheduleId.slice(PREFIX.length),
    scheduleId: d.scheduleId,
    kind: action.type === 'startWorkflow' && action.workflowType === 'batchScore' ? 'batch' : 'retrain',
    model: memo.model ?? null,
    config: memo.config ?? null,
    timing: memo.timing ?? null,
    taskQueue: action.type === 'startWorkflow' ? action.taskQueue : null,
    paused: d.state.paused,
    note: d.state.note || null,
    catchupWindowMs: d.policies.catchupWindow,
    overlap: d.policies.overlap ?? 'SKIP',
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    })),
    skippedOverlap: d.info.numActionsSkippedOverlap,
  };
}

/** gRPC INVALID_ARGUMENT (code 3): Temporal refused what we sent, e.g. a cron expression. */
function isInvalidArgument(err: unknown): boolean {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; e && i < 5; i++, e = e.cause as typeof e) if (e.code === 3) return true;
  return false;
}

function oneLine(err: unknown): string {
  let e = err as { message?: string; details?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return String(e?.details ?? e?.message ?? err).replace(/^\d+ [A-Z_]+: /, '').split('\n')[0]!;
}
