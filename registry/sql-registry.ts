import { Migrator, type Kysely, type Selectable } from 'kysely';
import { ModelName } from '../config/model-name.js';
import { AliasConflictError, IntegrityError, NotFoundError } from '../errors/index.js';
import { ModelCard } from '../training/model-card.js';
import { BlobStore, sha256 } from './blob-store.js';
import { migrations, type RegistryTables } from './schema.js';
import type {
  AliasMove,
  ModelVersion,
  MoveAliasInput,
  MoveAliasResult,
  RegisterVersionInput,
  Registry,
} from './types.js';

const ALIAS = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * The registry on any SQL database Kysely speaks (SQLite now, PostgreSQL
 * next): rows in the database, bytes in a content-addressed blob store.
 */
export class SqlRegistry implements Registry {
  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly blobs: BlobStore,
  ) {}

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => migrations } });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  async registerVersion(input: RegisterVersionInput): Promise<{ version: ModelVersion; created: boolean }> {
    const model = checkModel(input.model);
    const card = ModelCard.parse(input.card);
    const trainingHash = sha256(input.trainingData);
    if (card.trainingData.sha256 !== trainingHash) {
      throw new IntegrityError(
        `model card says the training data hashes to ${card.trainingData.sha256}, but the data given hashes to ${trainingHash}`,
        { model },
      );
    }
    // Bytes first: a row never points at a blob that is not there.
    const hash = await this.blobs.put(input.onnx);
    await this.blobs.put(input.trainingData);
    const existing = await this.findBySha(model, hash);
    if (existing) return { version: existing, created: false };
    try {
      const row = await this.db.transaction().execute(async (trx) => {
        const max = await trx
          .selectFrom('model_versions')
          .select((eb) => eb.fn.max('version').as('max'))
          .where('model', '=', model)
          .executeTakeFirst();
        const next = Number(max?.max ?? 0) + 1;
        const values = {
          model,
          version: next,
          sha256: hash,
          training_data_sha256: trainingHash,
          card: JSON.stringify(card),
          created_at: new Date().toISOString(),
          run_id: input.runId ?? null,
        };
        await trx.insertInto('model_versions').values(values).execute();
        return values;
      });
      return { version: toVersion(row), created: true };
    } catch (err) {
      // Two registrations of the same bytes raced: the unique (model, sha256)
      // constraint let one through; the other returns the winner's version.
      const raced = await this.findBySha(model, hash);
      if (raced) return { version: raced, created: false };
      throw err;
    }
  }

  async getVersion(model: string, version: number): Promise<ModelVersion> {
    const row = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model', '=', checkModel(model))
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`model "${model}" has no version ${version}`, { model, version });
    return toVersion(row);
  }

  async listVersions(model: string): Promise<ModelVersion[]> {
    const rows = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model', '=', checkModel(model))
      .orderBy('version')
      .execute();
    return rows.map(toVersion);
  }

  async resolveAlias(model: string, alias: string): Promise<ModelVersion | null> {
    const row = await this.db
      .selectFrom('aliases')
      .innerJoin('model_versions', (j) =>
        j.onRef('aliases.model', '=', 'model_versions.model').onRef('aliases.version', '=', 'model_versions.version'),
      )
      .selectAll('model_versions')
      .where('aliases.model', '=', checkModel(model))
      .where('aliases.alias', '=', checkAlias(alias))
      .executeTakeFirst();
    return row ? toVersion(row) : null;
  }

  async moveAlias(input: MoveAliasInput): Promise<MoveAliasResult> {
    const model = checkModel(input.model);
    const alias = checkAlias(input.alias);
    await this.getVersion(model, input.to);
    return this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('aliases')
        .select('version')
        .where('model', '=', model)
        .where('alias', '=', alias)
        .executeTakeFirst();
      const now = current?.version ?? null;
      if (now === input.to) return { moved: false, current: now } as const;
      if (now !== input.expected) {
        throw new AliasConflictError(
          `alias ${model}@${alias} points at ${describe(now)}, not at ${describe(input.expected)} as expected; not moved to version ${input.to}`,
          { model, alias, current: now, expected: input.expected, to: input.to },
        );
      }
      const movedAt = new Date().toISOString();
      if (now === null) {
        await trx.insertInto('aliases').values({ model, alias, version: input.to, updated_at: movedAt }).execute();
      } else {
        const res = await trx
          .updateTable('aliases')
          .set({ version: input.to, updated_at: movedAt })
          .where('model', '=', model)
          .where('alias', '=', alias)
          .where('version', '=', now)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          throw new AliasConflictError(`alias ${model}@${alias} moved concurrently; not moved`, { model, alias });
        }
      }
      const move: AliasMove = {
        model,
        alias,
        fromVersion: now,
        toVersion: input.to,
        actor: input.actor,
        runId: input.runId ?? null,
        reason: input.reason,
        movedAt,
      };
      await trx
        .insertInto('alias_events')
        .values({
          model,
          alias,
          from_version: now,
          to_version: input.to,
          actor: input.actor,
          run_id: move.runId,
          reason: input.reason,
          moved_at: movedAt,
        })
        .execute();
      return { moved: true, move } as const;
    });
  }

  async aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    let q = this.db.selectFrom('alias_events').selectAll().where('model', '=', checkModel(model));
    if (alias !== undefined) q = q.where('alias', '=', checkAlias(alias));
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({
      model: r.model,
      alias: r.alias,
      fromVersion: r.from_version,
      toVersion: r.to_version,
      actor: r.actor,
      runId: r.run_id,
      reason: r.reason,
      movedAt: r.moved_at,
    }));
  }

  readModel(version: ModelVersion): Promise<Uint8Array> {
    return this.blobs.get(version.sha256);
  }

  trainingDataPath(version: ModelVersion): Promise<string> {
    return this.blobs.verifiedPath(version.trainingDataSha256);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async findBySha(model: string, hash: string): Promise<ModelVersion | null> {
    const row = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model', '=', model)
      .where('sha256', '=', hash)
      .executeTakeFirst();
    return row ? toVersion(row) : null;
  }
}

function toVersion(row: Selectable<RegistryTables['model_versions']>): ModelVersion {
  return {
    model: row.model,
    version: Number(row.version),
    sha256: row.sha256,
    trainingDataSha256: row.training_data_sha256,
    card: ModelCard.parse(JSON.parse(row.card)),
    createdAt: row.created_at,
    runId: row.run_id,
  };
}

function checkModel(model: string): string {
  const parsed = ModelName.safeParse(model);
  if (!parsed.success) throw new NotFoundError(`invalid model name ${JSON.stringify(model)}: ${parsed.error.issues[0]?.message}`, { model });
  return parsed.data;
}

function checkAlias(alias: string): string {
  if (!ALIAS.test(alias)) {
    throw new NotFoundError(`invalid alias ${JSON.stringify(alias)}: use 1-32 of a-z, 0-9, "_", "-", starting with a letter`, { alias });
  }
  return alias;
}

function describe(version: number | null): string {
  return version === null ? 'nothing' : `version ${version}`;
}
