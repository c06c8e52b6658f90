export type { AliasMove, ModelVersion, MoveAliasInput, MoveAliasResult, RegisterVersionInput, Registry } from './types.js';
export { BlobStore, sha256 } from './blob-store.js';
export { SqlRegistry } from './sql-registry.js';
export { openSqliteRegistry } from './sqlite.js';
