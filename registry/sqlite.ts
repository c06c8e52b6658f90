import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { BlobStore } from './blob-store.js';
import type { RegistryTables } from './schema.js';
import { SqlRegistry } from './sql-registry.js';
import { sqliteTransactions } from './transactions.js';

/**
 * The embedded registry: `<home>/registry.sqlite` plus `<home>/blobs/`. WAL
 * mode and a busy timeout let the worker, the CLI and serving processes share
 * the file; migrations are applied at open.
 */
export async function openSqliteRegistry(home: string): Promise<SqlRegistry> {
  mkdirSync(home, { recursive: true });
  const file = join(realpathSync(home), 'registry.sqlite');
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<RegistryTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  const registry = new SqlRegistry(db, new BlobStore(join(home, 'blobs')), sqliteTransactions(file));
  try {
    await registry.migrate();
  } catch (err) {
    await registry.close();
    throw err;
  }
  return registry;
}
