import { WorkflowFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { loadBatchConfig } from '../../config/load-batch.js';
import type { BatchScoreResult } from '../../workflows/batch-score.js';
import { startBatch } from '../batch.js';
import { loadSettings } from '../settings.js';
import { connectClient } from '../temporal.js';

interface BatchOpts {
  wait: boolean;
  json: boolean;
  taskQueue?: string;
}

/** `driftloop batch CONFIG`: one batch-scoring run by hand (docs/batch.md). */
export function registerBatch(program: Command): void {
  program
    .command('batch')
    .description('score a file, a folder of partitions or a PostgreSQL query with a registered model, in chunks (docs/batch.md)')
    .argument('<config>', 'batch config file (YAML)')
    .option('--wait', 'wait for the run and print its row counts, timings and outputs', false)
    .option('--json', 'print JSON: the result with --wait, else the started workflow and run ids', false)
    .option('--task-queue <name>', 'task queue of the workers (env DRIFTLOOP_TASK_QUEUE, settings taskQueue, default "driftloop")')
    .action(async (file: string, opts: BatchOpts, cmd: Command) => {
      const batch = await loadBatchConfig(file);
      const settings = loadSettings(cmd.optsWithGlobals());
      const client = await connectClient(settings);
      try {
        const handle = await startBatch(client, batch, { taskQueue: settings.taskQueue });
        if (!opts.wait) {
          console.log(
            opts.json
              ? JSON.stringify({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId })
              : `started ${handle.workflowId} (run ${handle.firstExecutionRunId})`,
          );
          return;
        }
        if (!opts.json) process.stderr.write(`started ${handle.workflowId} (run ${handle.firstExecutionRunId})\n`);
        let result: BatchScoreResult;
        try {
          result = await handle.result();
        } catch (err) {
          // The workflow's own message (e.g. a missing column), not the SDK's "Workflow execution failed".
          if (err instanceof WorkflowFailedError) throw new Error(`batch ${handle.workflowId} failed: ${rootMessage(err)}`);
          throw err;
        }
        console.log(opts.json ? JSON.stringify(result) : formatResult(result));
      } finally {
        await client.connection.close();
      }
    });
}

function rootMessage(err: Error): string {
  let e: Error = err;
  while (e.cause instanceof Error) e = e.cause;
  return e.message;
}

function formatResult(r: BatchScoreResult): string {
  const lines = [
    `${r.rows} of ${r.totalRows} rows scored with ${r.model} v${r.version} in ${r.chunks.length} chunk(s), ${r.seconds.toFixed(1)} s → ${r.outputDir}`,
  ];
  for (const c of r.chunks) {
    const resumed = c.resumedFrom > 0 ? `, resumed at row ${c.firstRow + c.resumedFrom} (attempt ${c.attempt})` : '';
    lines.push(`  ${c.output}  ${c.rows} rows from ${c.source} (rows ${c.firstRow}-${c.firstRow + c.rows - 1}), ${c.seconds.toFixed(2)} s${resumed}`);
  }
  return lines.join('\n');
}
