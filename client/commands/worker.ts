import type { Command } from 'commander';
import { driftloopHome } from '../../config/paths.js';
import { createLogger } from '../../logging/logger.js';
import { startWorker } from '../../worker/start.js';
import { loadSettings } from '../settings.js';
import { untilInterrupted } from '../interrupt.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker: serves the retrainPipeline workflow and the activities of every stage')
    .option('--task-queue <name>', 'task queue to poll (env DRIFTLOOP_TASK_QUEUE, settings taskQueue, default "driftloop")')
    .action(async (_opts: { taskQueue?: string }, cmd: Command) => {
      const settings = loadSettings(cmd.optsWithGlobals());
      const taskQueue = settings.taskQueue;
      // The worker's records are JSON lines on stderr (logging/logger.ts), this one included.
      const logger = createLogger({ name: 'worker' });
      const running = await startWorker({ ...settings, taskQueue, home: driftloopHome(), logger });
      logger.info({ taskQueue, address: settings.address, namespace: settings.namespace }, `driftloop worker: polling "${taskQueue}" on ${settings.address} (namespace ${settings.namespace}); Ctrl-C to stop`);
      await untilInterrupted(running.done);
      await running.stop();
    });
}
