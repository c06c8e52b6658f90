import { join } from 'node:path';
import type { Command } from 'commander';
import { driftloopHome } from '../../config/paths.js';
import { startDevServer } from '../../devserver/dev-server.js';
import { createLogger } from '../../logging/logger.js';
import { startWorker } from '../../worker/start.js';
import { untilInterrupted } from '../interrupt.js';
import { loadSettings } from '../settings.js';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('start a local Temporal dev server (database under .driftloop/) and a worker, until Ctrl-C')
    .option('--port <n>', 'Temporal frontend port', (v) => Number(v), 7233)
    .option('--ui-port <n>', 'Temporal Web UI port', (v) => Number(v), 8233)
    .action(async (opts: { port: number; uiPort: number }, cmd: Command) => {
      const home = driftloopHome();
      const settings = loadSettings(cmd.optsWithGlobals());
      const server = await startDevServer({ home: join(home, 'temporal'), port: opts.port, uiPort: opts.uiPort, namespace: settings.namespace });
      let worker;
      try {
        // The worker's records (the SDK's, the activities') go to stderr as JSON lines; stdout keeps the lines below for people.
        worker = await startWorker({ address: server.address, namespace: server.namespace, taskQueue: settings.taskQueue, home, logger: createLogger({ name: 'dev' }) });
        console.log(`Temporal dev server: ${server.address} (namespace ${server.namespace})`);
        console.log(`Temporal Web UI:     ${server.uiUrl}/namespaces/${server.namespace}/workflows`);
        console.log(`worker polling "${settings.taskQueue}"; state in ${home}`);
        console.log(`in another shell: TEMPORAL_ADDRESS=${server.address} driftloop run pipeline.yaml`);
        console.log('Ctrl-C stops both.');
        await untilInterrupted(worker.done);
      } finally {
        await worker?.stop();
        await server.stop();
      }
    });
}
