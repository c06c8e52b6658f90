import type { Generated, Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

/** The SQL databases the registry runs on. */
export type SqlDialectName = 'sqlite' | 'postgres';

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
  predictions: {
    model: string;
    request_id: string;
    version: number;
    /** ISO-8601 UTC (`Date#toISOString`), so text order is time order. */
    at: string;
    /** JSON text. */
    features: string;
    /** JSON text. */
    prediction: string;
    /** JSON text of the label (keeps string, number and boolean apart); null until feedback arrives. */
    label: string | null;
    labelled_at: string | null;
    /** JSON text of {class: probability}; null for regressors and rows logged before 0003. */
    probabilities: string | null;
    /** Milliseconds serving took to produce the prediction; null when not measured (rows logged before 0004). */
    latency_ms: number | null;
  };
  /** Canaries: at most one active (ended_at null) per model; ended rows are the audit trail. */
  canaries: {
    id: Generated<number>;
    model: string;
    version: number;
    /** Share of requests routed to `version`, in (0, 1). */
    share: number;
    /** The champion when the canary started (what it is compared with). */
    champion: number;
    actor: string;
    run_id: string | null;
    reason: string;
    started_at: string;
    ended_at: string | null;
    ended_by: string | null;
    end_run_id: string | null;
    end_reason: string | null;
  };
  metric_windows: {
    model: string;
    version: number;
    metric: string;
    /** 'realised' | 'estimated' */
    kind: string;
    window_start: string;
    window_end: string;
    value: number | null;
    reason: string | null;
    rows: number;
    labelled_rows: number;
    computed_at: string;
  };
  drift_reports: {
    id: Generated<number>;
    model: string;
    version: number;
    run_id: string | null;
    at: string;
    /** 0 or 1 (SQLite has no boolean type; the same column type on both backends). */
    drifted: number;
    share: number;
    /** JSON text of the DriftReport. */
    report: string;
    /** sha256 of the HTML report in the blob store, when there is one. */
    html_sha256: string | null;
  };
}

/**
 * Versioned migrations for one dialect, applied in name order at open by
 * runMigrations (registry/migrate.ts). Never change what a released migration
 * does on a database it already ran on: add the next one.
 *
 * 0001 was released for SQLite only; its one dialect-specific column (the
 * audit log's id: `autoincrement` is SQLite syntax) is generated per dialect,
 * and the SQLite DDL is byte-for-byte what it always was.
 */
export function migrationsFor(dialect: SqlDialectName): Record<string, Migration> {
  return {
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
          .addColumn('id', 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
          )
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
    '0002_prediction_log': {
      async up(db: Kysely<any>) {
        // The primary key is the unique (model, request_id) index that makes a
        // retried flush a no-op; (model, at) serves monitoring's time windows.
        // No foreign key to model_versions: one bad row must not make serving's
        // whole batch unflushable forever.
        await db.schema
          .createTable('predictions')
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('features', 'text', (c) => c.notNull())
          .addColumn('prediction', 'text', (c) => c.notNull())
          .addColumn('label', 'text')
          .addColumn('labelled_at', 'text')
          .addPrimaryKeyConstraint('predictions_pk', ['model', 'request_id'])
          .execute();
        await db.schema.createIndex('predictions_by_time').on('predictions').columns(['model', 'at']).execute();
      },
      async down(db: Kysely<any>) {
        await sql`drop table predictions`.execute(db);
      },
    },
    '0003_monitoring': {
      async up(db: Kysely<any>) {
        // Classifiers' probabilities, for label-free estimates and probability metrics.
        await db.schema.alterTable('predictions').addColumn('probabilities', 'text').execute();
        // The primary key is the upsert key: recomputing a window replaces its row.
        // `double precision`: PostgreSQL's `real` is float4; SQLite gives it REAL affinity.
        await db.schema
          .createTable('metric_windows')
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('metric', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('window_start', 'text', (c) => c.notNull())
          .addColumn('window_end', 'text', (c) => c.notNull())
          .addColumn('value', 'double precision')
          .addColumn('reason', 'text')
          .addColumn('rows', 'integer', (c) => c.notNull())
          .addColumn('labelled_rows', 'integer', (c) => c.notNull())
          .addColumn('computed_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('metric_windows_pk', ['model', 'version', 'metric', 'kind', 'window_start', 'window_end'])
          .execute();
        await db.schema.createIndex('metric_windows_by_time').on('metric_windows').columns(['model', 'window_start']).execute();
        // The report JSON is tens of KB and lives in a row; the HTML (hundreds of KB) in the blob store.
        await db.schema
          .createTable('drift_reports')
          .addColumn('id', 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
          )
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('run_id', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('drifted', 'integer', (c) => c.notNull())
          .addColumn('share', 'double precision', (c) => c.notNull())
          .addColumn('report', 'text', (c) => c.notNull())
          .addColumn('html_sha256', 'text')
          .execute();
        // One report per pipeline run (NULL run ids are distinct on both backends).
        await db.schema.createIndex('drift_reports_by_run').unique().on('drift_reports').columns(['model', 'run_id']).execute();
        await db.schema.createIndex('drift_reports_by_time').on('drift_reports').columns(['model', 'at']).execute();
      },
      async down(db: Kysely<any>) {
        await sql`drop table drift_reports`.execute(db);
        await sql`drop table metric_windows`.execute(db);
        await sql`alter table predictions drop column probabilities`.execute(db);
      },
    },
    '0004_canary_and_latency': {
      async up(db: Kysely<any>) {
        // Live comparisons need each prediction's serving latency (p95 per version).
        await db.schema.alterTable('predictions').addColumn('latency_ms', 'double precision').execute();
        // One row per canary: the active one has no ended_at; ended rows stay, with who ended it and why.
        await db.schema
          .createTable('canaries')
          .addColumn('id', 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
          )
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('share', 'double precision', (c) => c.notNull())
          .addColumn('champion', 'integer', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('run_id', 'text')
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('ended_at', 'text')
          .addColumn('ended_by', 'text')
          .addColumn('end_run_id', 'text')
          .addColumn('end_reason', 'text')
          .addForeignKeyConstraint('canaries_version_fk', ['model', 'version'], 'model_versions', ['model', 'version'])
          .execute();
        // At most one active canary per model, whatever the code above it does (a partial unique index on both backends).
        await db.schema
          .createIndex('canaries_active')
          .unique()
          .on('canaries')
          .column('model')
          .where(sql.ref('ended_at'), 'is', null)
          .execute();
      },
      async down(db: Kysely<any>) {
        await sql`drop table canaries`.execute(db);
        await sql`alter table predictions drop column latency_ms`.execute(db);
      },
    },
  };
}
