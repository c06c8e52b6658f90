import { createHash } from 'node:crypto';

/**
 * sha256 of a config's canonical JSON (object keys sorted at every level), so
 * that the same config gives the same digest however its file was written.
 * Hand-written because it is a dozen lines over JSON.stringify; a library
 * would add a dependency for no gain.
 */
export function configDigest(config: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(config)).digest('hex')}`;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
