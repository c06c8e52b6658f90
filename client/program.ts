import { Command } from 'commander';
import { registerApprovals } from './commands/approve.js';
import { registerBatch } from './commands/batch.js';
import { registerStatus } from './commands/status.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDemo } from './commands/demo.js';
import { registerDev } from './commands/dev.js';
import { registerDrift } from './commands/drift.js';
import { registerGithub } from './commands/github.js';
import { registerMetrics } from './commands/metrics.js';
import { registerModels } from './commands/models.js';
import { registerRollback } from './commands/rollback.js';
import { registerRun } from './commands/run.js';
import { registerSchedule } from './commands/schedule.js';
import { registerScore } from './commands/score.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';
import { registerValidate } from './commands/validate.js';
import { registerWorker } from './commands/worker.js';

/** The `driftloop` command line; each command lives in its own module under commands/. */
export function buildProgram(): Command {
  const program = new Command('driftloop')
    .description('continuous retraining: monitor → drift check → retrain → evaluate → conditional promotion, on Temporal')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError();
  registerDemo(program);
  registerDev(program);
  registerWorker(program);
  registerRun(program);
  registerStatus(program);
  registerApprovals(program);
  registerValidate(program);
  registerSchedule(program);
  registerTrain(program);
  registerScore(program);
  registerBatch(program);
  registerServe(program);
  registerModels(program);
  registerRollback(program);
  registerDrift(program);
  registerMetrics(program);
  registerDashboard(program);
  registerGithub(program);
  return program;
}
