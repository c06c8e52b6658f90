import type { Command } from 'commander';
import { driftloopHome } from '../../config/paths.js';
import { runDemo } from '../../demo/run-demo.js';
import { formatSummary } from '../format-summary.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole loop locally: a Temporal dev server, a worker and three passes on example data with a documented drift')
    .option('--json', 'print the pass summaries as one JSON array', false)
    .action(async (opts: { json: boolean }) => {
      const home = driftloopHome();
      const { uiUrl, summaries } = await runDemo({
        home,
        log: (line) => console.error(`demo: ${line}`),
        onPass: (title, summary) => {
          if (!opts.json) console.log(`\n${title}\n${formatSummary(summary)}`);
        },
      });
      if (opts.json) console.log(JSON.stringify(summaries));
      else {
        console.log(`\nstate is under ${home} (registry: ${home}/demo, Temporal database: ${home}/temporal)`);
        console.log(`the runs stay visible in the Temporal Web UI (${uiUrl}) while "driftloop dev" runs`);
      }
    });
}
