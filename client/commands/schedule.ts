import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadBatchConfig } from '../../config/load-batch.js';
import { loadPipelineConfig } from '../../config/load.js';
import { ConfigError } from '../../errors/index.js';
import { createBatchSchedule } from '../batch-schedule.js';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  parseDuration,
  parseScheduleName,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleInfo,
} from '../schedules.js';
import { loadSettings } from '../settings.js';
import { connectClient } from '../temporal.js';

/** Connects with the command's settings (flags > env > settings file), runs `fn`, closes. */
async function withClient<T>(cmd: Command, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(loadSettings(cmd.optsWithGlobals()));
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

interface CreateOpts {
  retrain?: string;
  batch?: string;
  every?: string;
  cron?: string;
  catchupWindow: string;
  paused: boolean;
  note?: string;
  taskQueue?: string;
  json: boolean;
}

/** `driftloop schedule …`: retrain passes on Temporal Schedules (see docs/schedules.md). */
export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('run passes on a Temporal Schedule: create, list, pause, unpause, trigger, delete (docs/schedules.md)');

  schedule
    .command('create')
    .description('a schedule that starts a retrain pass (--retrain) or a batch-scoring run (--batch), every interval or on a cron expression')
    .argument('<name>', 'schedule name (a-z, 0-9, . _ -; the schedule id is driftloop-NAME)')
    .option('--retrain <config>', 'pipeline config file (YAML) of the passes to start')
    .option('--batch <config>', 'batch config file (YAML) of the batch-scoring runs to start (docs/batch.md)')
    .option('--every <duration>', 'interval: 90s, 30m, 1h, 1d…')
    .option('--cron <expr>', 'cron expression (UTC), e.g. "0 3 * * *"')
    .option('--catchup-window <duration>', 'after an outage, start missed runs at most this late', '1h')
    .option('--paused', 'create it paused', false)
    .option('--note <text>', 'note shown with the schedule (e.g. why it is paused)')
    .option('--task-queue <name>', 'task queue of the workers (env DRIFTLOOP_TASK_QUEUE, settings taskQueue, default "driftloop")')
    .option('--json', 'print the created schedule as one JSON object (as in schedule list --json)', false)
    .action(async (name: string, opts: CreateOpts, cmd: Command) => {
      // Every argument is checked before anything is read or any connection made.
      parseScheduleName(name);
      if ((opts.retrain === undefined) === (opts.batch === undefined)) {
        throw new ConfigError('give exactly one of --retrain CONFIG or --batch CONFIG');
      }
      if ((opts.every === undefined) === (opts.cron === undefined)) {
        throw new ConfigError('give exactly one of --every DURATION or --cron EXPR');
      }
      if (opts.every !== undefined) parseDuration(opts.every, '--every');
      parseDuration(opts.catchupWindow, '--catchup-window');
      const timing = opts.every !== undefined ? { every: opts.every } : { cron: opts.cron! };
      if (opts.batch !== undefined) {
        const batch = await loadBatchConfig(opts.batch);
        const settings = loadSettings(cmd.optsWithGlobals());
        const info = await withClient(cmd, (client) =>
          createBatchSchedule(client, {
            name,
            batch,
            configFile: opts.batch!,
            taskQueue: settings.taskQueue,
            timing,
            catchupWindow: opts.catchupWindow,
            paused: opts.paused,
            ...(opts.note !== undefined ? { note: opts.note } : {}),
          }),
        );
        if (opts.json) return console.log(JSON.stringify(info));
        console.log(
          `created schedule ${info.name} (${info.scheduleId}): batch ${info.model} ${info.timing}` +
            (info.paused ? ', paused' : `, next run ${info.nextRuns[0] ?? '-'}`),
        );
        return;
      }
      const pipeline = await loadPipelineConfig(opts.retrain!);
      const settings = loadSettings(cmd.optsWithGlobals());
      const info = await withClient(cmd, (client) =>
        createSchedule(client, {
          name,
          pipeline,
          configFile: opts.retrain!,
          taskQueue: settings.taskQueue,
          timing: opts.every !== undefined ? { every: opts.every } : { cron: opts.cron! },
          catchupWindow: opts.catchupWindow,
          paused: opts.paused,
          ...(opts.note !== undefined ? { note: opts.note } : {}),
        }),
      );
      if (opts.json) return console.log(JSON.stringify(info));
      console.log(
        `created schedule ${info.name} (${info.scheduleId}): retrain ${info.model} ${info.timing}` +
          (info.paused ? ', paused' : `, next run ${info.nextRuns[0] ?? '-'}`),
      );
    });

  schedule
    .command('list')
    .description("driftloop's schedules: model, timing, state, next run times, latest run")
    .option('--json', 'print one JSON array', false)
    .action(async (opts: { json: boolean }, cmd: Command) => {
      const all = await withClient(cmd, listSchedules);
      if (opts.json) return console.log(JSON.stringify(all));
      if (all.length === 0) return console.log('no schedules');
      console.log(formatTable(all));
    });

  schedule
    .command('pause')
    .description('stop starting passes until unpaused (a running pass is not affected)')
    .argument('<name>', 'schedule name')
    .option('--note <text>', 'why it is paused (shown by list and in the Web UI)')
    .action(async (name: string, opts: { note?: string }, cmd: Command) => {
      parseScheduleName(name); // a bad name is refused before connecting
      await withClient(cmd, (client) => pauseSchedule(client, name, opts.note));
      console.log(`paused schedule ${name}`);
    });

  schedule
    .command('unpause')
    .description('resume starting passes')
    .argument('<name>', 'schedule name')
    .option('--note <text>', 'note to replace the pause note')
    .action(async (name: string, opts: { note?: string }, cmd: Command) => {
      parseScheduleName(name); // a bad name is refused before connecting
      await withClient(cmd, (client) => unpauseSchedule(client, name, opts.note));
      console.log(`unpaused schedule ${name}`);
    });

  schedule
    .command('trigger')
    .description("start the schedule's pass now (skipped if its previous pass is still running)")
    .argument('<name>', 'schedule name')
    .option('--json', 'print {name, started: {workflowId, runId} | null}', false)
    .action(async (name: string, opts: { json: boolean }, cmd: Command) => {
      parseScheduleName(name); // a bad name is refused before connecting
      const started = await withClient(cmd, (client) => triggerSchedule(client, name));
      if (opts.json) return console.log(JSON.stringify({ name, started }));
      console.log(
        started
          ? `triggered schedule ${name}: started ${started.workflowId} (run ${started.runId})`
          : `triggered schedule ${name}: no pass started yet (skipped if the previous pass is still running; see schedule list)`,
      );
    });

  schedule
    .command('delete')
    .description('delete the schedule (passes it started are not affected)')
    .argument('<name>', 'schedule name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      parseScheduleName(name); // a bad name is refused before connecting
      await withClient(cmd, (client) => deleteSchedule(client, name));
      console.log(`deleted schedule ${name}`);
    });
}

function formatTable(all: ScheduleInfo[]): string {
  const rows = all.map((s) => [
    s.name,
    s.model ?? '-',
    s.timing ?? '-',
    s.paused ? `paused${s.note ? ` (${s.note})` : ''}` : 'active',
    s.paused ? '-' : s.nextRuns.slice(0, 2).join(', ') || '-',
    s.recentRuns.at(-1)?.workflowId ?? '-',
  ]);
  const header = ['NAME', 'MODEL', 'TIMING', 'STATE', 'NEXT RUNS', 'LAST RUN'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
