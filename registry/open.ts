import { driftloopHome } from '../config/paths.js';
import { ConfigError } from '../errors/index.js';
import { openPostgresRegistry, redact } from './postgres.js';
import type { SqlRegistry } from './sql-registry.js';
import { openSqliteRegistry } from './sqlite.js';

/**
 * The registry the environment selects: PostgreSQL when
 * DRIFTLOOP_DATABASE_URL is set (postgres://… or postgresql://…), otherwise
 * SQLite at `$DRIFTLOOP_HOME/registry.sqlite`. Blobs live under
 * DRIFTLOOP_HOME (default ./.driftloop) either way.
 */
export async function openRegistry(env: NodeJS.ProcessEnv = process.env): Promise<SqlRegistry> {
  const home = driftloopHome(env);
  const url = env.DRIFTLOOP_DATABASE_URL?.trim();
  if (!url) return openSqliteRegistry(home);
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(
      `DRIFTLOOP_DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:port/database), not ${redact(url)}; unset it to use SQLite under DRIFTLOOP_HOME`,
      { field: 'DRIFTLOOP_DATABASE_URL' },
    );
  }
  return openPostgresRegistry(url, home);
}
