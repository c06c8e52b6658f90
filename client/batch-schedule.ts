import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import { batchName, type BatchConfig } from '../config/batch.js';
import { ConfigError } from '../errors/index.js';
import { batchStartOptions } from './batch.js';
import {
  describeSchedule,
  parseDuration,
  parseScheduleName,
  scheduleId,
  ScheduleExistsError,
  type ScheduleInfo,
  type ScheduleTiming,
} from './schedules.js';

export interface CreateBatchScheduleOptions {
  name: string;
  batch: BatchConfig;
  /** The batch config file (shown by `list`; the schedule keeps a snapshot of the config). */
  configFile: string;
  taskQueue: string;
  timing: ScheduleTiming;
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
}

/**
 * A schedule whose action is a `batchScore` run of the config (scheduled
 * batch deployment). Temporal appends the tick's time to the workflow id
 * (driftloop-<name>-<time>), and overlap SKIP keeps a tick from starting
 * while this schedule's previous batch still runs.
 */
export async function createBatchSchedule(client: Client, opts: CreateBatchScheduleOptions): Promise<ScheduleInfo> {
  const name = parseScheduleName(opts.name);
  const timing = 'every' in opts.timing ? `every ${opts.timing.every}` : `cron ${opts.timing.cron}`;
  const spec =
    'every' in opts.timing ? { intervals: [{ every: parseDuration(opts.timing.every, '--every') }] } : { cronExpressions: [opts.timing.cron] };
  const catchupWindow = parseDuration(opts.catchupWindow ?? '1h', '--catchup-window');
  if (catchupWindow < 10_000) throw new ConfigError("--catchup-window: must be at least 10s (Temporal's minimum)");
  const { workflowType, args, taskQueue, typedSearchAttributes } = batchStartOptions(opts.batch, { taskQueue: opts.taskQueue });
  try {
    await client.schedule.create({
      scheduleId: scheduleId(name),
      spec,
      action: { type: 'startWorkflow', workflowType, workflowId: scheduleId(name), taskQueue, args, typedSearchAttributes },
      policies: { overlap: 'SKIP', catchupWindow },
      memo: { model: opts.batch.model, config: opts.configFile, timing, batch: batchName(opts.batch) },
      state: { paused: opts.paused ?? false, ...(opts.note ? { note: opts.note } : {}) },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) {
      throw new ScheduleExistsError(`schedule "${name}" already exists (id ${scheduleId(name)}); delete it first to change it`, { name });
    }
    if (err instanceof TypeError && 'cron' in opts.timing) {
      throw new ConfigError(`--cron: "${opts.timing.cron}" rejected by Temporal: ${err.message.split('\n')[0]}`, { cron: opts.timing.cron });
    }
    throw err;
  }
  return describeSchedule(client, name);
}
