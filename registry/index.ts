export type {
  AliasChange,
  AliasMove,
  AliasPointer,
  AliasWatchOptions,
  Canary,
  EndCanaryInput,
  EndCanaryResult,
  StartCanaryInput,
  StartCanaryResult,
  DriftReportSummary,
  ListMetricWindowsOptions,
  LoggedPrediction,
  MetricKind,
  MetricWindow,
  ModelSummary,
  ModelVersion,
  MoveAliasInput,
  MoveAliasResult,
  PredictionLog,
  PredictionRecord,
  PromoteChampionInput,
  PromoteChampionResult,
  ReadPredictionsOptions,
  RegisterVersionInput,
  Registry,
  RollbackInput,
  RollbackResult,
  SaveDriftReportInput,
  StoredDriftReport,
} from './types.js';
export { ANY_ALIAS, CANARY, CHALLENGER, CHAMPION, PREVIOUS, aliasChangeMatches } from './types.js';
export { ALIAS_CHANNEL } from './alias-watch.js';
export { BlobStore, sha256 } from './blob-store.js';
export { ALIAS, SqlRegistry } from './sql-registry.js';
export type { SqlDialectName } from './schema.js';
export { openSqliteRegistry } from './sqlite.js';
export { openPostgresRegistry, type PostgresRegistryOptions } from './postgres.js';
export { openRegistry } from './open.js';
