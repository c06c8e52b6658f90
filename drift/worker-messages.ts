import type { Column } from '../dataset/columns.js';
import { ConfigError, DataError, type DriftloopError } from '../errors/index.js';
import type { ColumnCheck } from './plan.js';
import type { ColumnDrift } from './report.js';

/** Main thread → column worker: one column, every check the requested reports make on it. */
export interface ColumnRequest {
  name: string;
  reference: Column;
  current: Column;
  /** Per window, whether the array is this request's private copy (the worker may reorder it in place). */
  owned: { reference: boolean; current: boolean };
  checks: Pick<ColumnCheck, 'rule' | 'config' | 'withDistribution'>[];
}

/** Column worker → main thread: one ColumnDrift per check, in order. */
export type ColumnReply = { ok: true; columns: ColumnDrift[] } | { ok: false; error: SerializedError };

interface SerializedError {
  type: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Typed errors cross the thread boundary as plain data and are rebuilt with their class. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof DataError || err instanceof ConfigError) {
    return { type: err.name, message: err.message, details: (err as DriftloopError).details };
  }
  if (err instanceof Error) return { type: 'Error', message: err.stack ?? err.message };
  return { type: 'Error', message: String(err) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.type === 'DataError') return new DataError(error.message, error.details);
  if (error.type === 'ConfigError') return new ConfigError(error.message, error.details);
  return new Error(`drift worker: ${error.message}`);
}
