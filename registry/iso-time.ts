import { DataError } from '../errors/index.js';

/** Normalizes an ISO-8601 time to `toISOString` form (UTC, milliseconds), so that text order is time order. */
export function isoTime(value: string, what: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new DataError(`${what}: ${JSON.stringify(value)} is not an ISO-8601 time`);
  return new Date(ms).toISOString();
}
