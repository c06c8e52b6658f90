import type { Client } from '@temporalio/client';
import { batchName, type BatchConfig } from '../config/batch.js';
import { batchStartOptions } from './batch.js';
import { prepareSchedule, scheduleId, submitSchedule, type ScheduleInfo, type ScheduleSettings } from './schedules.js';

export interface CreateBatchScheduleOptions extends ScheduleSettings {
  batch: BatchConfig;
  /** The batch config file (shown by `list`; the schedule keeps a snapshot of the config). */
  configFile: string;
  taskQueue: string;
}

/**
 * A schedule whose action is a `batchScore` run of the config (scheduled
 * batch deployment). Temporal appends the tick's time to the workflow id
 * (driftloop-<name>-<time>), and overlap SKIP keeps a tick from starting
 * while this schedule's previous batch still runs.
 */
export async function createBatchSchedule(client: Client, opts: CreateBatchScheduleOptions): Promise<ScheduleInfo> {
  const prepared = prepareSchedule(opts);
  const id = scheduleId(prepared.name);
  const { workflowType, args, taskQueue, typedSearchAttributes } = batchStartOptions(opts.batch, { taskQueue: opts.taskQueue });
  return submitSchedule(
    client,
    opts,
    prepared,
    { type: 'startWorkflow', workflowType, workflowId: id, taskQueue, args, typedSearchAttributes },
    { model: opts.batch.model, config: opts.configFile, timing: prepared.timing, batch: batchName(opts.batch) },
  );
}
