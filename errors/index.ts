/**
 * driftloop's typed errors. Each carries a stable `code` (safe to match on in
 * scripts and tests) and the context that explains it. Activities turn them into
 * Temporal ApplicationFailures whose `type` is the class name, with
 * `nonRetryable` set where another attempt cannot succeed.
 */
export abstract class DriftloopError extends Error {
  abstract readonly code: string;
  /** Whether a retry of the same operation could succeed. */
  readonly retryable: boolean = false;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** A config file, workflow input or CLI argument that does not satisfy its schema. */
export class ConfigError extends DriftloopError {
  readonly code = 'CONFIG_INVALID';
}

/** A data file that cannot be used: missing column, bad value, too few rows. */
export class DataError extends DriftloopError {
  readonly code = 'DATA_INVALID';
}

/** The requested model, version or alias does not exist. */
export class NotFoundError extends DriftloopError {
  readonly code = 'NOT_FOUND';
}

/** Stored bytes no longer match their content address. */
export class IntegrityError extends DriftloopError {
  readonly code = 'INTEGRITY';
}

/**
 * An alias moved by someone else between our read and our write: the
 * compare-and-swap's expected previous version did not match.
 */
export class AliasConflictError extends DriftloopError {
  readonly code = 'ALIAS_CONFLICT';
}

/** The ONNX model could not be loaded or run on the given rows. */
export class InferenceError extends DriftloopError {
  readonly code = 'INFERENCE_FAILED';
}

/** Exit classes of the Python trainer (see trainer/driftloop_trainer). */
export type TrainerErrorClass =
  | 'invalid_request'
  | 'data_error'
  | 'conversion_error'
  | 'parity_error'
  | 'internal_error'
  | 'killed';

/** The trainer process failed; `errorClass` says whether a retry can help. */
export class TrainerError extends DriftloopError {
  readonly code = 'TRAINER_FAILED';
  override readonly retryable: boolean;
  readonly errorClass: TrainerErrorClass;

  constructor(errorClass: TrainerErrorClass, message: string, details: Record<string, unknown> = {}) {
    super(message, { ...details, errorClass });
    this.errorClass = errorClass;
    // Bad requests, bad data, unconvertible or non-matching models fail the same
    // way every time; a crash or a kill (OOM, node drained) may not.
    this.retryable = errorClass === 'internal_error' || errorClass === 'killed';
  }
}

/**
 * GitHub's REST API refused or failed a call. Rate limits and 5xx answers
 * are `retryable` (another attempt later can succeed; `retryAfterSeconds`
 * says when GitHub asked to be called again); 4xx answers such as 404 or 422
 * are not: the same request will be refused the same way.
 */
export class GithubApiError extends DriftloopError {
  readonly code = 'GITHUB_API';
  override readonly retryable: boolean;
  readonly status: number | null;
  readonly retryAfterSeconds: number | null;

  constructor(message: string, opts: { status: number | null; retryable: boolean; retryAfterSeconds?: number | null }, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, { ...details, status: opts.status, ...(opts.retryAfterSeconds != null ? { retryAfterSeconds: opts.retryAfterSeconds } : {}) }, options);
    this.status = opts.status;
    this.retryable = opts.retryable;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? null;
  }
}
