import type { Command } from 'commander';
import { loadPipelineConfig } from '../../config/load.js';
import { formatSummary } from '../format-summary.js';
import { startPass, waitForPass } from '../pass.js';
import { connectClient, temporalSettings } from '../temporal.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run one pass of the loop for the model a pipeline config describes, wait for it and print each stage\'s decision')
    .argument('<config>', 'pipeline config file (YAML)')
    .option('--force', 'retrain even if there is no drift and the metric is within its threshold', false)
    .option('--json', 'print the pass summary as one JSON object', false)
    .option('--task-queue <name>', 'task queue of the workers (env DRIFTLOOP_TASK_QUEUE, default "driftloop")')
    .action(async (file: string, opts: { force: boolean; json: boolean; taskQueue?: string }) => {
      const pipeline = await loadPipelineConfig(file);
      const settings = temporalSettings();
      const client = await connectClient(settings);
      try {
        const handle = await startPass(client, pipeline, { taskQueue: opts.taskQueue ?? settings.taskQueue, force: opts.force });
        if (!opts.json) console.error(`started ${handle.workflowId} (run ${handle.firstExecutionRunId}); waiting…`);
        const summary = await waitForPass(handle);
        console.log(opts.json ? JSON.stringify(summary) : formatSummary(summary));
      } finally {
        await client.connection.close();
      }
    });
}
