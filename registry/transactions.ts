import { sql, type Kysely } from 'kysely';
import type { SqlDialectName } from './schema.js';

/**
 * How the registry runs its read-modify-write transactions, per dialect.
 *
 * - PostgreSQL (READ COMMITTED): the transaction first takes a transaction-
 *   scoped advisory lock on its key (the model), so every writer of one model
 *   reads the state the previous one committed; the statements after the lock
 *   each see a fresh snapshot.
 * - SQLite: `BEGIN IMMEDIATE` takes the database's write lock up front (a
 *   deferred transaction that reads first could fail with SQLITE_BUSY_SNAPSHOT
 *   when it tries to write); other processes wait for it through the busy
 *   timeout. better-sqlite3 is synchronous, so a lock wait would block this
 *   process's event loop and with it the very transaction it waits for: writers
 *   on the same file within one process are therefore queued here first.
 */
export interface TransactionRunner {
  readonly dialect: SqlDialectName;
  /** Runs `fn` in a write transaction, serialized with every other writer of `key` (null: no serialization needed beyond the database's own). */
  write<DB, T>(db: Kysely<DB>, key: string | null, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T>;
}

export function postgresTransactions(): TransactionRunner {
  return {
    dialect: 'postgres',
    write(db, key, fn) {
      return db.transaction().execute(async (trx) => {
        if (key !== null) await sql`select pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || ${key}, 0))`.execute(trx);
        return fn(trx);
      });
    },
  };
}

/** `file` identifies the database file: writers of the same file in this process share one queue. */
export function sqliteTransactions(file: string): TransactionRunner {
  return {
    dialect: 'sqlite',
    write(db, _key, fn) {
      return serialized(file, () =>
        db.connection().execute(async (conn) => {
          await sql`begin immediate`.execute(conn);
          try {
            const result = await fn(conn);
            await sql`commit`.execute(conn);
            return result;
          } catch (err) {
            await sql`rollback`.execute(conn).catch(() => undefined);
            throw err;
          }
        }),
      );
    },
  };
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier call with the same key has settled. */
export async function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  const run = before.then(fn);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  try {
    return await run;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}
