import type { DriftReport } from '../drift/report.js';
import type { ModelCard } from '../training/model-card.js';

/** An immutable, content-addressed model version. */
export interface ModelVersion {
  model: string;
  /** 1, 2, 3… per model, in registration order. */
  version: number;
  /** sha256 of the ONNX bytes: the version's identity. */
  sha256: string;
  /** sha256 of the exact rows the version was trained on (its drift reference). */
  trainingDataSha256: string;
  card: ModelCard;
  createdAt: string;
  /** The workflow run that registered it, when there was one. */
  runId: string | null;
}

export interface AliasMove {
  model: string;
  alias: string;
  fromVersion: number | null;
  toVersion: number;
  actor: string;
  runId: string | null;
  reason: string;
  movedAt: string;
}

export interface RegisterVersionInput {
  model: string;
  onnx: Uint8Array;
  card: ModelCard;
  trainingData: Uint8Array;
  runId?: string | null;
}

export interface MoveAliasInput {
  model: string;
  alias: string;
  to: number;
  /** The version the alias must point at now (null: must not exist yet). */
  expected: number | null;
  actor: string;
  runId?: string | null;
  reason: string;
}

export type MoveAliasResult =
  | { moved: true; move: AliasMove }
  /** The alias already pointed at `to` (a retried or duplicate move): nothing changed. */
  | { moved: false; current: number };

/** The aliases driftloop itself moves; users may set any other alias matching the alias pattern. */
export const CHAMPION = 'champion';
export const CHALLENGER = 'challenger';
export const PREVIOUS = 'previous';
/** Points at the version a canary serves (or last served): moved, audited, when a canary starts. */
export const CANARY = 'canary';

/** A share of live traffic routed to a candidate beside the champion (docs/promotion.md). */
export interface Canary {
  model: string;
  version: number;
  /** Share of requests routed to `version`, in (0, 1). */
  share: number;
  /** The champion when the canary started: what it is compared with. */
  champion: number;
  actor: string;
  runId: string | null;
  reason: string;
  startedAt: string;
  /** Null while the canary runs. */
  endedAt: string | null;
  endedBy: string | null;
  endRunId: string | null;
  endReason: string | null;
}

export interface StartCanaryInput {
  model: string;
  version: number;
  /** In (0, 1). */
  share: number;
  actor: string;
  runId?: string | null;
  reason: string;
}

export type StartCanaryResult =
  /** started=false: the same version was already in canary (a retried start): nothing changed. */
  { started: boolean; canary: Canary };

export interface EndCanaryInput {
  model: string;
  actor: string;
  runId?: string | null;
  reason: string;
  /** When given, only a canary of this version is ended (another one is left running). */
  version?: number;
}

export type EndCanaryResult =
  | { ended: true; canary: Canary }
  /** No canary of the model (or not of `version`) was running: nothing changed. */
  | { ended: false; canary: null };

export interface PromoteChampionInput {
  model: string;
  /** The version that becomes `champion`. */
  to: number;
  /** The version `champion` must point at now (null: the model must have no champion yet). */
  expectedChampion: number | null;
  actor: string;
  runId?: string | null;
  reason: string;
}

export type PromoteChampionResult =
  /** `champion` moved; `previous` now points at the old champion (when there was one). `moves` are the audited moves. */
  | { moved: true; previousChampion: number | null; moves: AliasMove[] }
  /** `champion` already pointed at `to` (a retried or duplicate promotion): nothing changed. */
  | { moved: false; current: number };

export interface RollbackInput {
  model: string;
  actor: string;
  reason: string;
  runId?: string | null;
  /** When given, the rollback happens only if `champion` still points at this version. */
  expectedChampion?: number;
}

export interface RollbackResult {
  /** The version `champion` points at now (the former `previous`). */
  champion: number;
  /** The version `previous` points at now (the former `champion`). */
  previous: number;
  /** The audited moves (empty when both aliases already pointed at the same version). */
  moves: AliasMove[];
}

export interface AliasPointer {
  alias: string;
  version: number;
  updatedAt: string;
}

export interface ModelSummary {
  model: string;
  /** How many versions are registered. */
  versions: number;
  latestVersion: number;
  champion: number | null;
  /** The latest registration or alias move (ISO-8601, UTC). */
  updatedAt: string;
}

/**
 * An alias move as a watcher hears it. A watcher that may have missed moves
 * (it reconnected) sends `{ model: ANY_ALIAS, alias: ANY_ALIAS, version: 0 }`:
 * anything may have changed, re-read what you follow.
 */
export interface AliasChange {
  model: string;
  alias: string;
  version: number;
}

/** The wildcard of an AliasChange ("*" is neither a valid model name nor a valid alias). */
export const ANY_ALIAS = '*';

/** Whether `e` may concern `model@alias` (it names them, or it is the wildcard). */
export function aliasChangeMatches(e: AliasChange, model: string, alias: string): boolean {
  return (e.model === ANY_ALIAS || e.model === model) && (e.alias === ANY_ALIAS || e.alias === alias);
}

export interface AliasWatchOptions {
  /** Told when the watch loses its connection or a reconnection fails (it keeps retrying). */
  onError?: (err: unknown, context: string) => void;
}

/** One served prediction, as serving logs it. */
export interface PredictionRecord {
  /** Unique per model; a record whose request id is already logged is ignored. */
  requestId: string;
  model: string;
  version: number;
  /** ISO-8601; stored normalized to UTC (`Date#toISOString`). */
  at: string;
  features: Record<string, unknown>;
  prediction: unknown;
  /** Classifiers: probability per class (keyed by the class as a string); null or absent for regressors. */
  probabilities?: Record<string, number> | null;
  /** Milliseconds serving took to produce the prediction (its request's, for a multi-row request); null or absent when not measured. */
  latencyMs?: number | null;
}

export interface LoggedPrediction extends PredictionRecord {
  /** Null when none were logged (regressors, and rows logged before probabilities were stored). */
  probabilities: Record<string, number> | null;
  /** Null when not measured. */
  latencyMs: number | null;
  label: string | number | boolean | null;
  labelledAt: string | null;
}

export interface ReadPredictionsOptions {
  /** Inclusive lower bound on `at`. */
  since?: string;
  /** Exclusive upper bound on `at`. */
  until?: string;
  version?: number;
  labelledOnly?: boolean;
  limit?: number;
  /**
   * Keyset paging: only rows after this one in the log's order (by `at`, then
   * request id) — pass the last row of the previous page.
   */
  after?: { at: string; requestId: string };
}

/** What serving writes and monitoring reads. */
export interface PredictionLog {
  /**
   * One transaction per call (multi-row inserts of up to 1,000 rows each);
   * serving batches calls. Duplicate request ids are ignored (a retried flush).
   */
  logPredictions(records: PredictionRecord[]): Promise<void>;
  /** Attaches a ground-truth label to a logged prediction; matched=false when no such request id. */
  recordFeedback(input: { model: string; requestId: string; label: string | number | boolean; at?: string }): Promise<{ matched: boolean }>;
  /** Oldest first (by `at`, then request id). */
  readPredictions(model: string, opts?: ReadPredictionsOptions): Promise<LoggedPrediction[]>;
}

/** A metric computed from labels (`realised`) or estimated from the logged probabilities without them (`estimated`, CBPE). */
export type MetricKind = 'realised' | 'estimated';

/** One metric of one model version over one time window (see monitoring/). */
export interface MetricWindow {
  model: string;
  version: number;
  /** e.g. accuracy, f1, rocAuc, rmse (metrics/: CLASSIFICATION_METRICS, REGRESSION_METRICS). */
  metric: string;
  kind: MetricKind;
  /** Inclusive start, ISO-8601 UTC. */
  windowStart: string;
  /** Exclusive end, ISO-8601 UTC. */
  windowEnd: string;
  /** Null when the metric is undefined on the window (see `reason`). */
  value: number | null;
  /** Why `value` is null (optional; absent when it has a value). */
  reason?: string | null;
  /** Predictions of this version in the window. */
  rows: number;
  /** Of those, the ones with a feedback label. */
  labelledRows: number;
  computedAt: string;
}

export interface ListMetricWindowsOptions {
  /** Windows ending after this time (ISO-8601). */
  since?: string;
  /** Windows starting before this time (ISO-8601). */
  until?: string;
  version?: number;
  metric?: string;
}

export interface SaveDriftReportInput {
  model: string;
  /** The champion version the current window was compared with. */
  version: number;
  /** The pipeline run that made the check: one report per (model, runId); saving again replaces it (a retried activity). */
  runId?: string | null;
  /** When the check ran (ISO-8601). */
  at: string;
  /** A DriftReport (drift/report.ts); validated before it is saved. */
  report: unknown;
  /** The HTML report, kept in the blob store. */
  html?: string | null;
}

/** A drift report as listed: without the report itself. */
export interface DriftReportSummary {
  id: number;
  model: string;
  version: number;
  runId: string | null;
  at: string;
  drifted: boolean;
  share: number;
  hasHtml: boolean;
}

export interface StoredDriftReport extends DriftReportSummary {
  report: DriftReport;
  html: string | null;
}

/**
 * The registry: the system of record for model versions, aliases and the
 * prediction log. SQLite is the embedded backend, PostgreSQL the shared one;
 * both are the same SqlRegistry.
 */
export interface Registry extends PredictionLog {
  /** Registers the bytes as a new version, or returns the existing version with the same content. */
  registerVersion(input: RegisterVersionInput): Promise<{ version: ModelVersion; created: boolean }>;
  getVersion(model: string, version: number): Promise<ModelVersion>;
  listVersions(model: string): Promise<ModelVersion[]>;
  /** Every model with at least one version, by name. */
  listModels(): Promise<ModelSummary[]>;
  /** The version an alias points at, or null when the alias is not set. */
  resolveAlias(model: string, alias: string): Promise<ModelVersion | null>;
  /** Every alias of a model, by name. */
  listAliases(model: string): Promise<AliasPointer[]>;
  /** Compare-and-swap: moves the alias only if it still points at `expected`. */
  moveAlias(input: MoveAliasInput): Promise<MoveAliasResult>;
  /**
   * In one transaction: moves `champion` to `to` by compare-and-swap on
   * `expectedChampion` and points `previous` at the old champion, auditing
   * each move. Idempotent: champion already at `to` changes nothing.
   */
  promote(input: PromoteChampionInput): Promise<PromoteChampionResult>;
  /** Swaps `champion` and `previous` in one transaction, audited; NotFoundError when there is no `previous`. */
  rollback(input: RollbackInput): Promise<RollbackResult>;
  aliasHistory(model: string, alias?: string): Promise<AliasMove[]>;
  /**
   * Starts routing `share` of the model's traffic to `version` beside the
   * champion: moves the `canary` alias (audited) and records the canary, in
   * one transaction. Idempotent for the same version (a retry); a canary of
   * another version still running is an AliasConflictError; so is a version
   * that is already the champion. NotFoundError without a champion.
   */
  startCanary(input: StartCanaryInput): Promise<StartCanaryResult>;
  /** Ends the running canary (all traffic back to the champion), recording who and why. Ending none is a no-op. */
  endCanary(input: EndCanaryInput): Promise<EndCanaryResult>;
  /** The running canary, or null. */
  getCanary(model: string): Promise<Canary | null>;
  /** Every canary of the model, oldest first (the running one last). */
  canaryHistory(model: string): Promise<Canary[]>;
  /**
   * Optional (PostgreSQL: LISTEN/NOTIFY; SQLite: undefined): calls `onChange`
   * for every alias move committed after it resolved, and with the wildcard
   * change after a lost connection was re-established. Resolves once
   * listening; the function it resolves to stops watching. Closing the
   * registry stops every watch too.
   */
  watchAliases?(onChange: (e: AliasChange) => void, opts?: AliasWatchOptions): Promise<() => Promise<void>>;
  /**
   * Upserts metric windows: a row replaces the stored one with the same
   * (model, version, metric, kind, windowStart, windowEnd), so recomputing a
   * window is idempotent. One transaction per call.
   */
  saveMetricWindows(rows: MetricWindow[]): Promise<void>;
  /** A model's metric windows overlapping [since, until), by window start, version, metric, kind. */
  listMetricWindows(model: string, opts?: ListMetricWindowsOptions): Promise<MetricWindow[]>;
  /** Stores a drift check's report (and its HTML in the blob store). */
  saveDriftReport(input: SaveDriftReportInput): Promise<{ id: number }>;
  /** NotFoundError when there is no such report. */
  getDriftReport(id: number): Promise<StoredDriftReport>;
  /** A model's drift reports, newest first (default limit 50). */
  listDriftReports(model: string, opts?: { limit?: number }): Promise<DriftReportSummary[]>;
  /** The ONNX bytes of a version, verified against its content address. */
  readModel(version: ModelVersion): Promise<Uint8Array>;
  /** A path to the version's training data (CSV), verified against its content address. */
  trainingDataPath(version: ModelVersion): Promise<string>;
  close(): Promise<void>;
}
