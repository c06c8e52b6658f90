import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { ConfigError } from '../../errors/index.js';
import { ReportFiles } from '../../reports/file-store.js';
import { reportSource } from '../../reports/source.js';
import { openRegistry } from '../../registry/open.js';
import { buildDashboardApp } from '../../serving/dashboard-app.js';
import { untilInterrupted, type SignalSource } from '../interrupt.js';

export interface DashboardDeps {
  /** Where SIGINT/SIGTERM come from (the process; tests pass their own emitter). */
  signals?: SignalSource;
  /** Where the URL is printed. */
  print?: (line: string) => void;
}

/**
 * `driftloop dashboard`: the serving process's /reports pages without
 * serving a model: the registry's models (PostgreSQL when
 * DRIFTLOOP_DATABASE_URL is set, else SQLite under DRIFTLOOP_HOME) and the
 * reports under DRIFTLOOP_HOME/reports. Runs until SIGINT/SIGTERM.
 */
export function registerDashboard(program: Command, deps: DashboardDeps = {}): void {
  program
    .command('dashboard')
    .description('serve the reports dashboard (models, their drift and run reports) over HTTP until Ctrl-C')
    .option('--port <n>', 'port (0: any free port)', '8090')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const print = deps.print ?? ((line: string) => console.log(line));
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be an integer from 0 to 65535, not ${JSON.stringify(opts.port)}`, { field: 'port' });
      const registry = await openRegistry(process.env);
      const app = buildDashboardApp(reportSource({ files: ReportFiles.inHome(process.env), registry }));
      try {
        await app.listen({ host: opts.host, port });
        const info = app.server.address() as AddressInfo;
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        print(`dashboard at http://${host}:${info.port}/reports · Ctrl-C to stop`);
        await untilInterrupted(undefined, deps.signals);
        process.exitCode = 0;
      } finally {
        await app.close();
        await registry.close();
      }
    });
}
