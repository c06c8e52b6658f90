import type { Command } from 'commander';
import { statusQuery } from '../../workflows/retrain-pipeline.js';
import { formatSummary } from '../format-summary.js';
import { resolvePass } from '../pass-target.js';
import { loadSettings } from '../settings.js';
import { connectClient } from '../temporal.js';

/** `driftloop status PASS`: where a pass is, read with its `status` query. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show where a pass is and what it decided so far (the workflow\'s status query)')
    .argument('<pass>', 'model name, or the pass\'s workflow id (retrain-NAME)')
    .option('--run-id <id>', 'a specific run (default: the latest)')
    .option('--json', 'print {workflowId, runId, status, summary} as JSON', false)
    .action(async (target: string, opts: { runId?: string; json: boolean }, cmd: Command) => {
      const settings = loadSettings(cmd.optsWithGlobals());
      const client = await connectClient(settings);
      try {
        const handle = await resolvePass(client, target, opts.runId);
        const d = await handle.describe();
        const summary = await handle.query(statusQuery);
        const status = d.status.name.toLowerCase();
        console.log(
          opts.json
            ? JSON.stringify({ workflowId: d.workflowId, runId: d.runId, status, startedAt: d.startTime.toISOString(), summary })
            : `pass ${d.workflowId} (run ${d.runId}) ${status}, started ${d.startTime.toISOString()}\n${formatSummary(summary)}`,
        );
      } finally {
        await client.connection.close();
      }
    });
}
