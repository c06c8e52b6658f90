import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the throwaway test cluster's test database; '' when it could not be started. */
    postgresUrl: string;
    /** Why the cluster could not be started ('' when it runs). */
    postgresError: string;
  }
}

const run = promisify(execFile);

/** The unprivileged user the cluster runs as when the tests run as root (initdb and postgres refuse root). */
export const PG_USER = 'driftloop-pg';
const SUPERUSER = 'driftloop';
const DATABASE = 'driftloop_test';

/**
 * A real, throwaway PostgreSQL cluster for the registry's PostgreSQL tests,
 * from Debian's server binaries (the newest /usr/lib/postgresql/N/bin; the
 * `postgresql` package, which scripts/setup.sh installs when missing): initdb
 * in a temporary directory, listening on 127.0.0.1 only on a free port (its
 * unix socket in that directory too), password authentication, a database for
 * the tests. As root, everything runs as the system user `driftloop-pg`
 * (created when missing) which owns the directory. Stopped and removed at the
 * end of the run.
 *
 * When it cannot start, the reason is provided as `postgresError` and the
 * PostgreSQL tests fail with it; the rest of the suite still runs.
 */
export default async function setup(project: TestProject) {
  let cluster: Cluster | null = null;
  try {
    cluster = await startCluster();
    project.provide('postgresUrl', cluster.url);
    project.provide('postgresError', '');
  } catch (err) {
    project.provide('postgresUrl', '');
    project.provide('postgresError', `the PostgreSQL test cluster did not start: ${(err as Error).message}`);
  }
  return async () => {
    await cluster?.stop();
  };
}

interface Cluster {
  url: string;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const bin = findServerBinaries();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await ensureUser(PG_USER) : null;
  const dir = await mkdtemp(join(tmpdir(), 'driftloop-pg-'));
  const data = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  const log = join(dir, 'postgres.log');
  const pwfile = join(dir, 'password');
  const password = randomBytes(18).toString('hex');
  await mkdir(socketDir);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) for (const p of [dir, socketDir, pwfile]) await chown(p, owner.uid, owner.gid);

  /** Runs a server binary, as the cluster's user when we are root. */
  const pgRun = async (tool: string, args: string[]) => {
    const [cmd, argv] = owner
      ? ['runuser', ['-u', PG_USER, '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    try {
      return await run(cmd, argv, { cwd: dir, env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 });
    } catch (err) {
      const e = err as Error & { stderr?: string; stdout?: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
    }
  };

  let started = false;
  const stop = async () => {
    if (started) await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    started = false;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await pgRun('initdb', [
      '-D', data,
      '-U', SUPERUSER,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    // A test cluster: durability is not wanted, speed is.
    await appendFile(
      join(data, 'postgresql.conf'),
      [
        '',
        '# driftloop test cluster (test/setup/postgres.ts)',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${socketDir}'`,
        'max_connections = 200',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await pgRun('pg_ctl', ['-D', data, '-l', log, '-o', `-p ${port}`, '-w', '-t', '60', 'start']);
        started = true;
        break;
      } catch (err) {
        // The port may have been taken between our probe and the server's bind.
        const tail = await readFile(log, 'utf8').catch(() => '');
        if (attempt < 3 && /could not bind|address already in use/i.test(tail)) continue;
        throw new Error(`${(err as Error).message}\n${tail.trim().split('\n').slice(-10).join('\n')}`);
      }
    }
    const admin = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}`;
    const client = new pg.Client({ connectionString: `${admin}/postgres` });
    await client.connect();
    try {
      await client.query(`create database ${DATABASE}`);
    } finally {
      await client.end();
    }
    return { url: `${admin}/${DATABASE}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin), else the one `initdb` on PATH is in. */
function findServerBinaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0]) return join(root, majors[0], 'bin');
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const initdb = join(dir, 'initdb');
    if (dir && existsSync(initdb)) {
      const bin = dirname(realpathSync(initdb));
      if (existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  throw new Error(
    'no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH; run scripts/setup.sh as root, or apt-get install postgresql',
  );
}

/** The uid/gid of `name`, a system user without a home or a login shell, created when missing. */
async function ensureUser(name: string): Promise<{ uid: number; gid: number }> {
  const lookup = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    // not there yet
  }
  try {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
  } catch (err) {
    // Another test run may have created it meanwhile; if not, say why.
    try {
      return await lookup();
    } catch {
      throw new Error(`cannot create the system user ${name} to run PostgreSQL as (initdb refuses root): ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
    }
  }
  return lookup();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
