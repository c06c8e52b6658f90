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

/**
 * The registry: the system of record for model versions and aliases. SQLite is
 * the embedded backend; a PostgreSQL backend implements the same interface.
 */
export interface Registry {
  /** Registers the bytes as a new version, or returns the existing version with the same content. */
  registerVersion(input: RegisterVersionInput): Promise<{ version: ModelVersion; created: boolean }>;
  getVersion(model: string, version: number): Promise<ModelVersion>;
  listVersions(model: string): Promise<ModelVersion[]>;
  /** The version an alias points at, or null when the alias is not set. */
  resolveAlias(model: string, alias: string): Promise<ModelVersion | null>;
  /** Compare-and-swap: moves the alias only if it still points at `expected`. */
  moveAlias(input: MoveAliasInput): Promise<MoveAliasResult>;
  aliasHistory(model: string, alias?: string): Promise<AliasMove[]>;
  /** The ONNX bytes of a version, verified against its content address. */
  readModel(version: ModelVersion): Promise<Uint8Array>;
  /** A path to the version's training data (CSV), verified against its content address. */
  trainingDataPath(version: ModelVersion): Promise<string>;
  close(): Promise<void>;
}
