import type { Generated, Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

/** Table types for Kysely; timestamps are ISO-8601 strings in UTC. */
export interface RegistryTables {
  model_versions: {
    model: string;
    version: number;
    sha256: string;
    training_data_sha256: string;
    card: string;
    created_at: string;
    run_id: string | null;
  };
  aliases: {
    model: string;
    alias: string;
    version: number;
    updated_at: string;
  };
  alias_events: {
    id: Generated<number>;
    model: string;
    alias: string;
    from_version: number | null;
    to_version: number;
    actor: string;
    run_id: string | null;
    reason: string;
    moved_at: string;
  };
}

/**
 * Versioned migrations, applied in order at start by Kysely's Migrator. Never
 * edit a released one: add the next.
 */
export const migrations: Record<string, Migration> = {
  '0001_versions_and_aliases': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('model_versions')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('training_data_sha256', 'text', (c) => c.notNull())
        .addColumn('card', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addPrimaryKeyConstraint('model_versions_pk', ['model', 'version'])
        .addUniqueConstraint('model_versions_content', ['model', 'sha256'])
        .execute();
      await db.schema
        .createTable('aliases')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('aliases_pk', ['model', 'alias'])
        .addForeignKeyConstraint('aliases_version_fk', ['model', 'version'], 'model_versions', ['model', 'version'])
        .execute();
      await db.schema
        .createTable('alias_events')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('from_version', 'integer')
        .addColumn('to_version', 'integer', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('moved_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alias_events_by_alias').on('alias_events').columns(['model', 'alias', 'id']).execute();
    },
    async down(db: Kysely<any>) {
      await sql`drop table alias_events`.execute(db);
      await sql`drop table aliases`.execute(db);
      await sql`drop table model_versions`.execute(db);
    },
  },
};
