import { ApiException } from '@kubernetes/client-node';
import { DriftloopError } from '../../errors/index.js';

/** The run was cancelled: thrown out of any wait or API call that races the signal. */
export class Aborted extends Error {}
/** One API request took longer than requestTimeoutMs (a transient failure). */
export class RequestTimeout extends Error {}

/** The Kubernetes API stayed unreachable: the Job is left alone for a retry to adopt. */
export class LostContact extends Error {}

export function isApiStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

export function isTransient(err: unknown): boolean {
  if (err instanceof RequestTimeout) return true;
  if (err instanceof ApiException) return err.code === 429 || err.code >= 500;
  if (err instanceof DriftloopError) return false;
  // node-fetch FetchError (connection refused/reset, DNS) and other transport failures
  return err instanceof Error;
}

/** The API server's Status message of an ApiException, or the error's own message. */
export function describeApiError(err: unknown): string {
  if (err instanceof ApiException) {
    let message: string | undefined;
    const body: unknown = err.body;
    try {
      const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown } | undefined;
      if (status && typeof status.message === 'string') message = status.message;
    } catch {
      // not a Status object
    }
    return `HTTP ${err.code}${message ? `: ${message}` : ''}`;
  }
  if (err instanceof RequestTimeout) return 'request timed out';
  return err instanceof Error ? err.message : String(err);
}
