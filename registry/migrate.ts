import { sql, type Kysely, type Migration } from 'kysely';
import type { TransactionRunner } from './transactions.js';

/** The bookkeeping table; the same name and columns as Kysely's Migrator uses, so databases it migrated keep working. */
const TABLE = 'kysely_migration';

/**
 * Applies the pending migrations in name order, all in ONE write transaction
 * that holds the migration lock (PostgreSQL: an advisory lock per schema;
 * SQLite: `BEGIN IMMEDIATE`, the database's write lock). Two processes opening
 * the same database at once therefore run each migration exactly once: the
 * second waits, then finds nothing to do. Both dialects have transactional
 * DDL, so a failed migration leaves nothing half-applied.
 *
 * (Kysely's own Migrator runs SQLite migrations without a transaction or a
 * lock, which is why the registry does not use it.)
 *
 * Returns the names of the migrations it applied.
 */
export async function runMigrations(
  db: Kysely<any>,
  tx: TransactionRunner,
  migrations: Record<string, Migration>,
): Promise<string[]> {
  const names = Object.keys(migrations).sort();
  return tx.write(db, 'driftloop.migrations', async (trx) => {
    await trx.schema
      .createTable(TABLE)
      .ifNotExists()
      .addColumn('name', 'varchar(255)', (c) => c.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
      .execute();
    const done = (await trx.selectFrom(TABLE).select('name').execute()).map((r) => String(r.name));
    const unknown = done.filter((n) => !names.includes(n));
    if (unknown.length > 0) {
      throw new Error(
        `the registry database has migrations this driftloop does not know (${unknown.join(', ')}): it was opened by a newer version`,
      );
    }
    const pending = names.filter((n) => !done.includes(n));
    const last = done.sort().at(-1);
    const early = last === undefined ? [] : pending.filter((n) => n < last);
    if (early.length > 0) {
      throw new Error(`the registry database skipped migrations ${early.join(', ')} that precede the applied ${last}`);
    }
    for (const name of pending) {
      await migrations[name]!.up(trx);
      await trx.insertInto(TABLE).values({ name, timestamp: new Date().toISOString() }).execute();
    }
    return pending;
  });
}

/** The names of the applied migrations (for tests and diagnostics). */
export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}
