/**
 * Errors a request can cause. They carry the field and row they are about so
 * that every protocol can report them in its own error shape; anything else
 * that reaches the error handler is a server fault (500), never a crash.
 */
export class InputError extends Error {
  readonly field: string | undefined;
  readonly row: number | undefined;
  /** An HTTP status other than the protocol's default for bad input (413 for too many rows). */
  readonly status: number | undefined;

  constructor(message: string, details: { field?: string; row?: number; status?: number } = {}) {
    super(message);
    this.name = 'InputError';
    this.field = details.field;
    this.row = details.row;
    this.status = details.status;
  }
}

/** The requested model or version is not the one served here, or a request id is unknown (404 in every protocol). */
export class ResourceNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceNotFoundError';
  }
}

/** No model is loaded, or the server is shutting down (503). */
export class NotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotReadyError';
  }
}

/** A feature (Feedback) the configured sink does not provide (501). */
export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotImplementedError';
  }
}

/** zod issues as one line naming each path, e.g. `inputs[0].shape: expected array`. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${formatPath(i.path) || '(body)'}: ${i.message}`)
    .join('; ');
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}
