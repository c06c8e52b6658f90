import type { Command } from 'commander';
import { formatSummary } from '../format-summary.js';
import { startPass } from '../pass.js';
import { waitWithProgress } from '../pass-progress.js';
import { resolvePipeline } from '../pipeline-target.js';
import { loadSettings } from '../settings.js';
import { connectClient } from '../temporal.js';

interface RunOpts {
  force: boolean;
  wait: boolean;
  json: boolean;
  taskQueue?: string;
  configDir?: string;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start one pass of the loop for a model; with --wait, show its stages as they run and print each stage\'s decision')
    .argument('<pipeline>', 'a pipeline config file (YAML), or a model name looked up in --config-dir')
    .option('--force', 'retrain even if there is no drift and the metric is within its threshold', false)
    .option('--wait', 'wait for the pass, showing its progress, and print its summary', false)
    .option('--json', 'print JSON: the summary with --wait, else the started workflow and run ids', false)
    .option('--config-dir <dir>', 'where model names are looked up (env DRIFTLOOP_CONFIG_DIR, default the working directory)')
    .option('--task-queue <name>', 'task queue of the workers (env DRIFTLOOP_TASK_QUEUE, settings taskQueue, default "driftloop")')
    .action(async (target: string, opts: RunOpts, cmd: Command) => {
      const pipeline = await resolvePipeline(target, opts.configDir);
      const settings = loadSettings(cmd.optsWithGlobals());
      const client = await connectClient(settings);
      try {
        const handle = await startPass(client, pipeline, {
          taskQueue: settings.taskQueue,
          force: opts.force,
          trigger: { kind: 'manual' },
        });
        if (!opts.wait) {
          console.log(
            opts.json
              ? JSON.stringify({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId })
              : `started ${handle.workflowId} (run ${handle.firstExecutionRunId}); follow it with: driftloop status ${pipeline.model}`,
          );
          return;
        }
        if (!opts.json) process.stderr.write(`started ${handle.workflowId} (run ${handle.firstExecutionRunId})\n`);
        const summary = await waitWithProgress(handle, {
          write: opts.json ? () => {} : (t) => process.stderr.write(t),
          live: !opts.json && process.stderr.isTTY === true,
        });
        console.log(opts.json ? JSON.stringify(summary) : formatSummary(summary));
      } finally {
        await client.connection.close();
      }
    });
}
