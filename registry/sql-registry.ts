import type { Kysely, Selectable } from 'kysely';
import { ModelName } from '../config/model-name.js';
import { AliasConflictError, DataError, IntegrityError, NotFoundError } from '../errors/index.js';
import { ModelCard } from '../training/model-card.js';
import { notifyAliasMove } from './alias-watch.js';
import { BlobStore, sha256 } from './blob-store.js';
import { isoTime } from './iso-time.js';
import { runMigrations } from './migrate.js';
import * as monitoring from './monitoring-store.js';
import { migrationsFor, type RegistryTables, type SqlDialectName } from './schema.js';
import type { TransactionRunner } from './transactions.js';
import {
  CANARY,
  CHAMPION,
  PREVIOUS,
  type Canary,
  type EndCanaryInput,
  type EndCanaryResult,
  type StartCanaryInput,
  type StartCanaryResult,
  type AliasChange,
  type AliasMove,
  type AliasPointer,
  type AliasWatchOptions,
  type DriftReportSummary,
  type ListMetricWindowsOptions,
  type LoggedPrediction,
  type MetricWindow,
  type ModelSummary,
  type ModelVersion,
  type MoveAliasInput,
  type MoveAliasResult,
  type PredictionRecord,
  type PromoteChampionInput,
  type PromoteChampionResult,
  type ReadPredictionsOptions,
  type RegisterVersionInput,
  type Registry,
  type RollbackInput,
  type RollbackResult,
  type SaveDriftReportInput,
  type StoredDriftReport,
} from './types.js';

/** User aliases and the reserved ones (`champion`, `challenger`, `previous`) alike. */
export const ALIAS = /^[a-z][a-z0-9_-]{0,31}$/;

/** Rows per INSERT statement of the prediction log (11 parameters each: far below SQLite's and PostgreSQL's limits). */
const PREDICTION_ROWS_PER_STATEMENT = 1000;

type Db = Kysely<RegistryTables>;

/** Starts a watch of alias moves (see Registry#watchAliases); resolves to its stop function. */
export type AliasWatcher = (onChange: (e: AliasChange) => void, opts?: AliasWatchOptions) => Promise<() => Promise<void>>;

export interface SqlRegistryOptions {
  /** How to watch alias moves, when the backend can (PostgreSQL). */
  watchAliases?: AliasWatcher;
}

/**
 * The registry on SQLite or PostgreSQL through Kysely: rows in the database,
 * bytes in a content-addressed blob store. Every read-modify-write runs in a
 * transaction serialized per model (see transactions.ts), so compare-and-swap
 * and version numbering hold across processes on both backends.
 */
export class SqlRegistry implements Registry {
  private closing: Promise<void> | undefined;
  /** Stop functions of the watches still running: close() stops them. */
  private readonly watches = new Set<() => Promise<void>>();
  /** Present only when the backend can watch (PostgreSQL): see Registry#watchAliases. */
  declare readonly watchAliases?: AliasWatcher;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly tx: TransactionRunner,
    opts: SqlRegistryOptions = {},
  ) {
    const watch = opts.watchAliases;
    if (watch) this.watchAliases = (onChange, watchOpts) => this.watch(watch, onChange, watchOpts);
  }

  private async watch(watch: AliasWatcher, onChange: (e: AliasChange) => void, opts?: AliasWatchOptions): Promise<() => Promise<void>> {
    if (this.closing) throw new Error('the registry is closed: cannot watch its aliases');
    const stop = await watch(onChange, opts);
    let stopping: Promise<void> | undefined;
    const tracked = () => {
      this.watches.delete(tracked);
      stopping ??= stop();
      return stopping;
    };
    this.watches.add(tracked);
    // Closed while the watch was starting.
    if (this.closing) await tracked();
    return tracked;
  }

  /** Announces a committed move to watchers (PostgreSQL: NOTIFY in the moving transaction, delivered on commit). */
  private readonly announce = async (trx: Db, move: AliasMove): Promise<void> => {
    if (this.tx.dialect === 'postgres') await notifyAliasMove(trx, { model: move.model, alias: move.alias, version: move.toVersion });
  };

  get dialect(): SqlDialectName {
    return this.tx.dialect;
  }

  /** Applies pending migrations (safe to run from several processes at once); returns the ones it applied. */
  migrate(): Promise<string[]> {
    return runMigrations(this.db, this.tx, migrationsFor(this.tx.dialect));
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
    const existing = await findBySha(this.db, model, hash);
    if (existing) return { version: existing, created: false };
    try {
      return await this.tx.write(this.db, model, async (trx) => {
        // Registrations of one model are serialized: whoever comes second sees the first's row.
        const raced = await findBySha(trx, model, hash);
        if (raced) return { version: raced, created: false };
        const max = await trx
          .selectFrom('model_versions')
          .select((eb) => eb.fn.max('version').as('max'))
          .where('model', '=', model)
          .executeTakeFirst();
        const values = {
          model,
          version: Number(max?.max ?? 0) + 1,
          sha256: hash,
          training_data_sha256: trainingHash,
          card: JSON.stringify(card),
          created_at: new Date().toISOString(),
          run_id: input.runId ?? null,
        };
        await trx.insertInto('model_versions').values(values).execute();
        return { version: toVersion(values), created: true };
      });
    } catch (err) {
      // Belt and braces: the unique (model, sha256) constraint let one through.
      const raced = await findBySha(this.db, model, hash);
      if (raced) return { version: raced, created: false };
      throw err;
    }
  }

  async getVersion(model: string, version: number): Promise<ModelVersion> {
    return getVersionIn(this.db, checkModel(model), version);
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

  async listModels(): Promise<ModelSummary[]> {
    const [versions, aliases] = await Promise.all([
      this.db
        .selectFrom('model_versions')
        .select((eb) => [
          'model',
          eb.fn.countAll().as('versions'),
          eb.fn.max('version').as('latest'),
          eb.fn.max('created_at').as('created'),
        ])
        .groupBy('model')
        .execute(),
      this.db.selectFrom('aliases').select(['model', 'alias', 'version', 'updated_at']).execute(),
    ]);
    // Sorted here, not in SQL: a PostgreSQL collation may order "-" and "." differently from SQLite.
    return versions.sort((a, b) => compare(a.model, b.model)).map((v) => {
      const own = aliases.filter((a) => a.model === v.model);
      const moved = own.map((a) => a.updated_at);
      return {
        model: v.model,
        versions: Number(v.versions),
        latestVersion: Number(v.latest),
        champion: own.find((a) => a.alias === CHAMPION)?.version ?? null,
        updatedAt: [String(v.created), ...moved].sort().at(-1)!,
      };
    });
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

  async listAliases(model: string): Promise<AliasPointer[]> {
    const rows = await this.db
      .selectFrom('aliases')
      .select(['alias', 'version', 'updated_at'])
      .where('model', '=', checkModel(model))
      .execute();
    return rows
      .sort((a, b) => compare(a.alias, b.alias))
      .map((r) => ({ alias: r.alias, version: Number(r.version), updatedAt: r.updated_at }));
  }

  async moveAlias(input: MoveAliasInput): Promise<MoveAliasResult> {
    const model = checkModel(input.model);
    const alias = checkAlias(input.alias);
    await this.getVersion(model, input.to);
    return this.tx.write(this.db, model, async (trx) => {
      const now = await aliasVersion(trx, model, alias);
      if (now === input.to) return { moved: false, current: now } as const;
      if (now !== input.expected) {
        throw new AliasConflictError(
          `alias ${model}@${alias} points at ${describe(now)}, not at ${describe(input.expected)} as expected; not moved to version ${input.to}`,
          { model, alias, current: now, expected: input.expected, to: input.to },
        );
      }
      const move = await setAlias(
        trx,
        {
          model,
          alias,
          from: now,
          to: input.to,
          actor: input.actor,
          runId: input.runId ?? null,
          reason: input.reason,
          at: new Date().toISOString(),
        },
        this.announce,
      );
      return { moved: true, move } as const;
    });
  }

  async promote(input: PromoteChampionInput): Promise<PromoteChampionResult> {
    const model = checkModel(input.model);
    await this.getVersion(model, input.to);
    return this.tx.write(this.db, model, async (trx) => {
      const champion = await aliasVersion(trx, model, CHAMPION);
      if (champion === input.to) return { moved: false, current: champion } as const;
      if (champion !== input.expectedChampion) {
        throw new AliasConflictError(
          `alias ${model}@${CHAMPION} points at ${describe(champion)}, not at ${describe(input.expectedChampion)} as expected; version ${input.to} not promoted`,
          { model, alias: CHAMPION, current: champion, expected: input.expectedChampion, to: input.to },
        );
      }
      const common = { model, actor: input.actor, runId: input.runId ?? null, reason: input.reason, at: new Date().toISOString() };
      const moves = [await setAlias(trx, { ...common, alias: CHAMPION, from: champion, to: input.to }, this.announce)];
      if (champion !== null) {
        const previous = await aliasVersion(trx, model, PREVIOUS);
        if (previous !== champion) moves.push(await setAlias(trx, { ...common, alias: PREVIOUS, from: previous, to: champion }, this.announce));
      }
      // A canary that became the champion has done its job: it ends with the promotion, in the same transaction.
      const canary = await activeCanary(trx, model);
      if (canary?.version === input.to) await this.finishCanary(trx, canary, { actor: input.actor, runId: common.runId, reason: `promoted: ${input.reason}` });
      return { moved: true, previousChampion: champion, moves } as const;
    });
  }

  async rollback(input: RollbackInput): Promise<RollbackResult> {
    const model = checkModel(input.model);
    return this.tx.write(this.db, model, async (trx) => {
      const champion = await aliasVersion(trx, model, CHAMPION);
      const previous = await aliasVersion(trx, model, PREVIOUS);
      if (previous === null) {
        throw new NotFoundError(`model "${model}" has no "${PREVIOUS}" alias: there is nothing to roll back to`, { model });
      }
      if (champion === null) {
        throw new NotFoundError(`model "${model}" has no "${CHAMPION}" alias: there is nothing to roll back`, { model });
      }
      if (input.expectedChampion !== undefined && champion !== input.expectedChampion) {
        throw new AliasConflictError(
          `alias ${model}@${CHAMPION} points at ${describe(champion)}, not at ${describe(input.expectedChampion)} as expected; not rolled back`,
          { model, alias: CHAMPION, current: champion, expected: input.expectedChampion },
        );
      }
      if (champion === previous) return { champion, previous, moves: [] };
      const common = { model, actor: input.actor, runId: input.runId ?? null, reason: input.reason, at: new Date().toISOString() };
      const moves = [
        await setAlias(trx, { ...common, alias: CHAMPION, from: champion, to: previous }, this.announce),
        await setAlias(trx, { ...common, alias: PREVIOUS, from: previous, to: champion }, this.announce),
      ];
      return { champion: previous, previous: champion, moves };
    });
  }

  async aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    let q = this.db.selectFrom('alias_events').selectAll().where('model', '=', checkModel(model));
    if (alias !== undefined) q = q.where('alias', '=', checkAlias(alias));
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({
      model: r.model,
      alias: r.alias,
      fromVersion: r.from_version === null ? null : Number(r.from_version),
      toVersion: Number(r.to_version),
      actor: r.actor,
      runId: r.run_id,
      reason: r.reason,
      movedAt: r.moved_at,
    }));
  }

  async startCanary(input: StartCanaryInput): Promise<StartCanaryResult> {
    const model = checkModel(input.model);
    if (typeof input.share !== 'number' || !(input.share > 0 && input.share < 1)) {
      throw new DataError(`canary share must be a number between 0 and 1 (exclusive), not ${JSON.stringify(input.share)}`, { model });
    }
    await this.getVersion(model, input.version);
    return this.tx.write(this.db, model, async (trx) => {
      const running = await activeCanary(trx, model);
      if (running) {
        if (running.version === input.version) return { started: false, canary: running };
        throw new AliasConflictError(
          `model "${model}" already has a canary of version ${running.version} running (since ${running.startedAt}); end it before starting one of version ${input.version}`,
          { model, alias: CANARY, current: running.version, to: input.version },
        );
      }
      const champion = await aliasVersion(trx, model, CHAMPION);
      if (champion === null) {
        throw new NotFoundError(`model "${model}" has no "${CHAMPION}": a canary needs a champion to share the traffic with`, { model });
      }
      if (champion === input.version) {
        throw new AliasConflictError(`version ${input.version} of "${model}" is already the champion: it cannot be its canary`, {
          model,
          alias: CANARY,
          current: champion,
          to: input.version,
        });
      }
      const at = new Date().toISOString();
      const common = { model, actor: input.actor, runId: input.runId ?? null, reason: input.reason, at };
      const before = await aliasVersion(trx, model, CANARY);
      // The alias records which version was in canary, audited like every move; the row below says whether it still is.
      if (before !== input.version) await setAlias(trx, { ...common, alias: CANARY, from: before, to: input.version }, this.announce);
      const row = {
        model,
        version: input.version,
        share: input.share,
        champion,
        actor: input.actor,
        run_id: input.runId ?? null,
        reason: input.reason,
        started_at: at,
        ended_at: null,
        ended_by: null,
        end_run_id: null,
        end_reason: null,
      };
      await trx.insertInto('canaries').values(row).execute();
      // Serving follows the canary by re-reading it on any announced change of its alias.
      if (before === input.version) await this.announce(trx, { model, alias: CANARY, fromVersion: before, toVersion: input.version, actor: input.actor, runId: common.runId, reason: input.reason, movedAt: at });
      return { started: true, canary: (await activeCanary(trx, model))! };
    });
  }

  async endCanary(input: EndCanaryInput): Promise<EndCanaryResult> {
    const model = checkModel(input.model);
    return this.tx.write(this.db, model, async (trx) => {
      const running = await activeCanary(trx, model);
      if (!running || (input.version !== undefined && running.version !== input.version)) return { ended: false, canary: null } as const;
      const canary = await this.finishCanary(trx, running, { actor: input.actor, runId: input.runId ?? null, reason: input.reason });
      return { ended: true, canary } as const;
    });
  }

  /** Ends the running canary `running` in the caller's transaction, and announces it (serving stops routing to it). */
  private async finishCanary(trx: Db, running: Canary, by: { actor: string; runId: string | null; reason: string }): Promise<Canary> {
    const at = new Date().toISOString();
    await trx
      .updateTable('canaries')
      .set({ ended_at: at, ended_by: by.actor, end_run_id: by.runId, end_reason: by.reason })
      .where('model', '=', running.model)
      .where('ended_at', 'is', null)
      .execute();
    const v = running.version;
    await this.announce(trx, { model: running.model, alias: CANARY, fromVersion: v, toVersion: v, actor: by.actor, runId: by.runId, reason: by.reason, movedAt: at });
    return { ...running, endedAt: at, endedBy: by.actor, endRunId: by.runId, endReason: by.reason };
  }

  async getCanary(model: string): Promise<Canary | null> {
    return activeCanary(this.db, checkModel(model));
  }

  async canaryHistory(model: string): Promise<Canary[]> {
    const rows = await this.db.selectFrom('canaries').selectAll().where('model', '=', checkModel(model)).orderBy('id').execute();
    return rows.map(toCanary);
  }

  async logPredictions(records: PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map((r, i) => toPredictionRow(r, i));
    await this.tx.write(this.db, null, async (trx) => {
      for (let i = 0; i < rows.length; i += PREDICTION_ROWS_PER_STATEMENT) {
        await trx
          .insertInto('predictions')
          .values(rows.slice(i, i + PREDICTION_ROWS_PER_STATEMENT))
          .onConflict((oc) => oc.columns(['model', 'request_id']).doNothing())
          .execute();
      }
    });
  }

  async recordFeedback(input: {
    model: string;
    requestId: string;
    label: string | number | boolean;
    at?: string;
  }): Promise<{ matched: boolean }> {
    const model = checkModel(input.model);
    checkRequestId(input.requestId, 'feedback');
    if (!['string', 'number', 'boolean'].includes(typeof input.label) || (typeof input.label === 'number' && !Number.isFinite(input.label))) {
      throw new DataError(`feedback for request ${JSON.stringify(input.requestId)}: the label must be a string, a finite number or a boolean`, {
        model,
        requestId: input.requestId,
      });
    }
    const labelledAt = input.at === undefined ? new Date().toISOString() : isoTime(input.at, 'feedback time');
    const res = await this.tx.write(this.db, null, (trx) =>
      trx
        .updateTable('predictions')
        .set({ label: JSON.stringify(input.label), labelled_at: labelledAt })
        .where('model', '=', model)
        .where('request_id', '=', input.requestId)
        .executeTakeFirst(),
    );
    return { matched: Number(res.numUpdatedRows) > 0 };
  }

  async readPredictions(model: string, opts: ReadPredictionsOptions = {}): Promise<LoggedPrediction[]> {
    let q = this.db.selectFrom('predictions').selectAll().where('model', '=', checkModel(model));
    if (opts.since !== undefined) q = q.where('at', '>=', isoTime(opts.since, 'since'));
    if (opts.until !== undefined) q = q.where('at', '<', isoTime(opts.until, 'until'));
    if (opts.version !== undefined) q = q.where('version', '=', opts.version);
    if (opts.labelledOnly) q = q.where('label', 'is not', null);
    if (opts.after !== undefined) {
      const at = isoTime(opts.after.at, 'after.at');
      const id = opts.after.requestId;
      q = q.where((eb) => eb.or([eb('at', '>', at), eb.and([eb('at', '=', at), eb('request_id', '>', id)])]));
    }
    q = q.orderBy('at').orderBy('request_id');
    if (opts.limit !== undefined) {
      if (!Number.isInteger(opts.limit) || opts.limit < 0) throw new DataError(`limit must be a non-negative integer, not ${opts.limit}`);
      q = q.limit(opts.limit);
    }
    const rows = await q.execute();
    return rows.map((r) => ({
      requestId: r.request_id,
      model: r.model,
      version: Number(r.version),
      at: r.at,
      features: JSON.parse(r.features) as Record<string, unknown>,
      prediction: JSON.parse(r.prediction) as unknown,
      probabilities: r.probabilities === null ? null : (JSON.parse(r.probabilities) as Record<string, number>),
      latencyMs: r.latency_ms === null ? null : Number(r.latency_ms),
      label: r.label === null ? null : (JSON.parse(r.label) as string | number | boolean),
      labelledAt: r.labelled_at,
    }));
  }

  saveMetricWindows(rows: MetricWindow[]): Promise<void> {
    return monitoring.saveMetricWindows(this.db, this.tx, rows);
  }

  listMetricWindows(model: string, opts?: ListMetricWindowsOptions): Promise<MetricWindow[]> {
    return monitoring.listMetricWindows(this.db, checkModel(model), opts);
  }

  saveDriftReport(input: SaveDriftReportInput): Promise<{ id: number }> {
    return monitoring.saveDriftReport(this.db, this.tx, this.blobs, input);
  }

  getDriftReport(id: number): Promise<StoredDriftReport> {
    return monitoring.getDriftReport(this.db, this.blobs, id);
  }

  listDriftReports(model: string, opts?: { limit?: number }): Promise<DriftReportSummary[]> {
    return monitoring.listDriftReports(this.db, checkModel(model), opts);
  }

  readModel(version: ModelVersion): Promise<Uint8Array> {
    return this.blobs.get(version.sha256);
  }

  trainingDataPath(version: ModelVersion): Promise<string> {
    return this.blobs.verifiedPath(version.trainingDataSha256);
  }

  /** Stops every alias watch, then closes the connection (SQLite) or pool (PostgreSQL); later calls do nothing. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.watches].map((stop) => stop().catch(() => undefined)));
      await this.db.destroy();
    })();
    return this.closing;
  }
}

async function findBySha(db: Db, model: string, hash: string): Promise<ModelVersion | null> {
  const row = await db.selectFrom('model_versions').selectAll().where('model', '=', model).where('sha256', '=', hash).executeTakeFirst();
  return row ? toVersion(row) : null;
}

async function getVersionIn(db: Db, model: string, version: number): Promise<ModelVersion> {
  if (!Number.isInteger(version) || version < 1) {
    throw new NotFoundError(`model "${model}" has no version ${version}: versions are 1, 2, 3…`, { model, version });
  }
  const row = await db.selectFrom('model_versions').selectAll().where('model', '=', model).where('version', '=', version).executeTakeFirst();
  if (!row) throw new NotFoundError(`model "${model}" has no version ${version}`, { model, version });
  return toVersion(row);
}

async function activeCanary(db: Db, model: string): Promise<Canary | null> {
  const row = await db.selectFrom('canaries').selectAll().where('model', '=', model).where('ended_at', 'is', null).executeTakeFirst();
  return row ? toCanary(row) : null;
}

function toCanary(r: Selectable<RegistryTables['canaries']>): Canary {
  return {
    model: r.model,
    version: Number(r.version),
    share: Number(r.share),
    champion: Number(r.champion),
    actor: r.actor,
    runId: r.run_id,
    reason: r.reason,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    endedBy: r.ended_by,
    endRunId: r.end_run_id,
    endReason: r.end_reason,
  };
}

async function aliasVersion(db: Db, model: string, alias: string): Promise<number | null> {
  const row = await db.selectFrom('aliases').select('version').where('model', '=', model).where('alias', '=', alias).executeTakeFirst();
  return row ? Number(row.version) : null;
}

/**
 * Points `alias` at `to` (it must point at `from` now: the update is guarded
 * by it), writes the audit row and announces the move; all in the caller's
 * transaction.
 */
async function setAlias(
  trx: Db,
  m: { model: string; alias: string; from: number | null; to: number; actor: string; runId: string | null; reason: string; at: string },
  announce: (trx: Db, move: AliasMove) => Promise<void>,
): Promise<AliasMove> {
  if (m.from === null) {
    await trx.insertInto('aliases').values({ model: m.model, alias: m.alias, version: m.to, updated_at: m.at }).execute();
  } else {
    const res = await trx
      .updateTable('aliases')
      .set({ version: m.to, updated_at: m.at })
      .where('model', '=', m.model)
      .where('alias', '=', m.alias)
      .where('version', '=', m.from)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      throw new AliasConflictError(`alias ${m.model}@${m.alias} moved concurrently; not moved`, { model: m.model, alias: m.alias });
    }
  }
  await trx
    .insertInto('alias_events')
    .values({
      model: m.model,
      alias: m.alias,
      from_version: m.from,
      to_version: m.to,
      actor: m.actor,
      run_id: m.runId,
      reason: m.reason,
      moved_at: m.at,
    })
    .execute();
  const move: AliasMove = {
    model: m.model,
    alias: m.alias,
    fromVersion: m.from,
    toVersion: m.to,
    actor: m.actor,
    runId: m.runId,
    reason: m.reason,
    movedAt: m.at,
  };
  await announce(trx, move);
  return move;
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

function toPredictionRow(r: PredictionRecord, index: number): RegistryTables['predictions'] {
  const where = `prediction record ${index}`;
  if (r === null || typeof r !== 'object') throw new DataError(`${where} is not an object`, { index });
  const model = checkModel(r.model);
  checkRequestId(r.requestId, where);
  if (!Number.isInteger(r.version) || r.version < 1) {
    throw new DataError(`${where} (${r.requestId}): version must be a positive integer, not ${JSON.stringify(r.version)}`, { index });
  }
  if (r.features === null || typeof r.features !== 'object' || Array.isArray(r.features)) {
    throw new DataError(`${where} (${r.requestId}): features must be an object of feature name to value`, { index });
  }
  return {
    model,
    request_id: r.requestId,
    version: r.version,
    at: isoTime(r.at, `${where} (${r.requestId}) time`),
    features: JSON.stringify(r.features),
    prediction: JSON.stringify(r.prediction ?? null),
    probabilities: probabilitiesJson(r.probabilities, `${where} (${r.requestId})`, index),
    latency_ms: latencyMs(r.latencyMs, `${where} (${r.requestId})`, index),
    label: null,
    labelled_at: null,
  };
}

/** {class: probability} with at least one class, each a number in [0, 1]; null/absent for none. */
function probabilitiesJson(p: unknown, where: string, index: number): string | null {
  if (p === undefined || p === null) return null;
  if (typeof p !== 'object' || Array.isArray(p) || Object.keys(p).length === 0) {
    throw new DataError(`${where}: probabilities must be an object of class to probability`, { index });
  }
  for (const [cls, v] of Object.entries(p)) {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new DataError(`${where}: the probability of class ${JSON.stringify(cls)} must be a number in [0, 1], not ${JSON.stringify(v)}`, { index });
    }
  }
  return JSON.stringify(p);
}

function latencyMs(v: unknown, where: string, index: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new DataError(`${where}: latencyMs must be a non-negative number of milliseconds, not ${JSON.stringify(v)}`, { index });
  }
  return v;
}

function checkRequestId(id: unknown, where: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) {
    throw new DataError(`${where}: the request id must be a string of 1-256 characters, not ${JSON.stringify(id)}`);
  }
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

/** Code-point order, the same on every backend. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(version: number | null): string {
  return version === null ? 'nothing' : `version ${version}`;
}
