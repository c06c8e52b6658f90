import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { BlobStore } from './blob-store.js';
import type { RegistryTables } from './schema.js';
import { SqlRegistry } from './sql-registry.js';

/**
 * The embedded registry: `<home>/registry.sqlite` plus `<home>/blobs/`. WAL
 * mode and a busy timeout let the worker, the CLI and (later) serving processes
 * share the file.
 */
export async function openSqliteRegistry(home: string): Promise<SqlRegistry> {
  mkdirSync(home, { recursive: true });
  const sqlite = new Database(join(home, 'registry.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<RegistryTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  const registry = new SqlRegistry(db, new BlobStore(join(home, 'blobs')));
  await registry.migrate();
  return registry;
}
