import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../errors/index.js';
import { watchPostgresAliases } from './alias-watch.js';
import { BlobStore } from './blob-store.js';
import type { RegistryTables } from './schema.js';
import { SqlRegistry } from './sql-registry.js';
import { postgresTransactions } from './transactions.js';

export interface PostgresRegistryOptions {
  /**
   * The schema the registry's tables live in (created when missing). Default:
   * the connection's search_path (normally `public`).
   */
  schema?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The shared registry: tables in PostgreSQL (`url`, e.g.
 * `postgres://user:password@host:5432/driftloop`), bytes in the
 * content-addressed blob store under `<home>/blobs` (a volume every worker and
 * server mounts, as for SQLite). Migrations are applied at open, under an
 * advisory lock, so several processes may open a fresh database at once.
 * Every alias move is announced with NOTIFY on `driftloop_alias` when it
 * commits; `watchAliases` listens for them (see alias-watch.ts).
 */
export async function openPostgresRegistry(url: string, home: string, opts: PostgresRegistryOptions = {}): Promise<SqlRegistry> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(`not a PostgreSQL URL (postgres://… or postgresql://…): ${redact(url)}`, { field: 'DRIFTLOOP_DATABASE_URL' });
  }
  const schema = opts.schema;
  if (schema !== undefined && !SCHEMA.test(schema)) {
    throw new ConfigError(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use a-z, 0-9 and "_", starting with a letter or "_"`, {
      field: 'schema',
    });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    application_name: 'driftloop',
    // Every connection of the pool resolves the registry's tables in its schema.
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection the server drops must not crash the process; the next query gets a new one.
  pool.on('error', () => undefined);
  const db = new Kysely<RegistryTables>({ dialect: new PostgresDialect({ pool }) });
  // Alias moves are NOTIFYed in their transaction; a watch LISTENs on a connection of its own (it
  // stays checked out for as long as the watch runs, so it is not taken from the pool).
  const listenClient: pg.ClientConfig = { connectionString: url, application_name: 'driftloop-listen' };
  const registry = new SqlRegistry(db, new BlobStore(join(home, 'blobs')), postgresTransactions(), {
    watchAliases: (onChange, watchOpts) => watchPostgresAliases({ client: listenClient }, onChange, watchOpts),
  });
  try {
    if (schema !== undefined) await createSchema(pool, schema);
    await registry.migrate();
  } catch (err) {
    await registry.close();
    throw new ConfigError(`cannot open the PostgreSQL registry at ${redact(url)}: ${messageOf(err)}`, { field: 'DRIFTLOOP_DATABASE_URL' }, { cause: err });
  }
  return registry;
}

async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (err) {
    // Two processes creating it at once: `if not exists` can still collide in the catalog.
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw err;
  }
}

/** pg reports a refused connection to a host with several addresses as an AggregateError with an empty message. */
function messageOf(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(messageOf).join('; ');
  return err instanceof Error ? err.message : String(err);
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
