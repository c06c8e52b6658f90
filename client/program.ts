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
import { registerSettings } from './commands/settings.js';
import { configureUsageErrors, EXIT_CODES_HELP } from './exit-codes.js';
import { DEFAULT_SETTINGS_FILE, DEFAULTS } from './settings.js';

/** The `driftloop` command line; each command lives in its own module under commands/. */
export function buildProgram(): Command {
  const program = new Command('driftloop')
    .description('continuous retraining: monitor → drift check → retrain → evaluate → conditional promotion, on Temporal')
    .option('--debug', 'print stack traces of errors')
    .option('--settings <file>', `CLI settings file (YAML; env DRIFTLOOP_SETTINGS; default ./${DEFAULT_SETTINGS_FILE} if present; docs/cli.md)`)
    .option('--address <host:port>', `Temporal frontend (env TEMPORAL_ADDRESS; default "${DEFAULTS.address}")`)
    .option('--namespace <name>', `Temporal namespace (env TEMPORAL_NAMESPACE; default "${DEFAULTS.namespace}")`)
    .option('--tls-cert <file>', 'TLS client certificate, PEM (env TEMPORAL_TLS_CLIENT_CERT_PATH; needs --tls-key)')
    .option('--tls-key <file>', 'TLS client private key, PEM (env TEMPORAL_TLS_CLIENT_KEY_PATH)')
    .option('--tls-ca <file>', 'CA certificate to verify the server, PEM (env TEMPORAL_TLS_SERVER_CA_CERT_PATH; default: system roots)')
    .option('--tls-server-name <name>', 'TLS server name override (env TEMPORAL_TLS_SERVER_NAME)')
    .addHelpText('after', `\nSettings: flags > environment > settings file > defaults; API key: TEMPORAL_API_KEY (docs/cli.md).\n${EXIT_CODES_HELP}`);
  configureUsageErrors(program);
  // Every command's --help lists the global options too: where Temporal is, TLS, the settings file.
  program.configureHelp({ showGlobalOptions: true });
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
  registerSettings(program);
  describeRegistryEnvironment(program);
  return program;
}

/** Commands that open the model registry, which is chosen by the environment alone. */
const REGISTRY_COMMANDS = new Set(['models', 'rollback', 'metrics', 'score', 'serve', 'dashboard']);

function describeRegistryEnvironment(program: Command): void {
  const text =
    '\nRegistry: PostgreSQL when DRIFTLOOP_DATABASE_URL is set, else SQLite under DRIFTLOOP_HOME (default ./.driftloop); blobs under DRIFTLOOP_HOME.';
  const add = (c: Command): void => {
    c.addHelpText('after', text);
    c.commands.forEach(add);
  };
  program.commands.filter((c) => REGISTRY_COMMANDS.has(c.name())).forEach(add);
}
