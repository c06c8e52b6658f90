import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { driftloopHome } from '../../config/paths.js';
import { ConfigError } from '../../errors/index.js';
import { createLogger } from '../../logging/logger.js';
import { GithubClient, githubClientOptions } from '../../github/client.js';
import { DeliveryLog } from '../../github/deliveries.js';
import { loadPipelineDir } from '../../github/pipelines.js';
import { buildWebhookServer, WEBHOOK_PATH } from '../../github/webhook-server.js';
import { untilInterrupted, type SignalSource } from '../interrupt.js';
import { startPass } from '../pass.js';
import { loadSettings } from '../settings.js';
import { connectClient } from '../temporal.js';

export interface GithubCommandDeps {
  signals?: SignalSource;
  print?: (line: string) => void;
}

/** `driftloop github serve`: GitHub webhooks → forced passes (docs/github.md). */
export function registerGithub(program: Command, deps: GithubCommandDeps = {}): void {
  const github = program.command('github').description('GitHub integration: the webhook receiver that starts passes');
  github
    .command('serve')
    .description('receive GitHub webhooks (push, workflow_dispatch, repository_dispatch, /retrain comments) and start forced passes, until Ctrl-C (env DRIFTLOOP_GITHUB_WEBHOOK_SECRET required, DRIFTLOOP_GITHUB_TOKEN; docs/github.md)')
    .requiredOption('--config-dir <dir>', 'directory of pipeline configs (*.yaml) with github: sections')
    .option('--port <n>', 'port (0: any free port)', '8091')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--task-queue <name>', 'task queue of the workers (env DRIFTLOOP_TASK_QUEUE, settings taskQueue, default "driftloop")')
    .action(async (opts: { configDir: string; port: string; host: string; taskQueue?: string }, cmd: Command) => {
      const print = deps.print ?? ((line: string) => console.log(line));
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be an integer from 0 to 65535, not ${JSON.stringify(opts.port)}`, { field: 'port' });
      const secret = process.env.DRIFTLOOP_GITHUB_WEBHOOK_SECRET;
      if (!secret) throw new ConfigError('DRIFTLOOP_GITHUB_WEBHOOK_SECRET is not set (the secret configured on the GitHub webhook)', { field: 'DRIFTLOOP_GITHUB_WEBHOOK_SECRET' });
      const ghOptions = githubClientOptions(process.env);
      const pipelines = await loadPipelineDir(opts.configDir); // refuse to start on a bad config
      const unconfigured = pipelines.filter((p) => !p.github).map((p) => p.model);
      const settings = loadSettings(cmd.optsWithGlobals());
      const taskQueue = settings.taskQueue;
      const client = await connectClient(settings);
      const gh = new GithubClient(ghOptions);
      const app = buildWebhookServer({
        secret,
        pipelines: () => loadPipelineDir(opts.configDir),
        startPass: async (pipeline, trigger) => {
          const h = await startPass(client, pipeline, { taskQueue, force: true, trigger });
          return { workflowId: h.workflowId, runId: h.firstExecutionRunId };
        },
        permissionOf: (owner, repo, user) => gh.permissionOf(owner, repo, user),
        headSha: (owner, repo, source) => ('pull' in source ? gh.pullHeadSha({ owner, repo }, source.pull) : gh.branchHeadSha({ owner, repo }, source.branch)),
        deliveries: await DeliveryLog.open(join(driftloopHome(process.env), 'github', 'deliveries.log')),
        // Each delivery's outcome, keyed by its delivery id, as JSON on stderr (secrets scrubbed); stdout keeps the lines for people.
        logger: createLogger({ name: 'github-serve' }),
      });
      try {
        await app.listen({ host: opts.host, port });
        const info = app.server.address() as AddressInfo;
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        print(`GitHub webhooks at http://${host}:${info.port}${WEBHOOK_PATH} for ${pipelines.length - unconfigured.length} pipeline(s) · Ctrl-C to stop`);
        if (unconfigured.length) print(`no github: section (never triggered from GitHub): ${unconfigured.join(', ')}`);
        await untilInterrupted(undefined, deps.signals);
        process.exitCode = 0;
      } finally {
        await app.close();
        await client.connection.close();
      }
    });
}
