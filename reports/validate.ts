import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/**
 * Validates what a renderer was given; a bad field is a ConfigError naming
 * its path (e.g. `metrics[0].points[2].windowEnd: Invalid ISO datetime`),
 * never a half-rendered page.
 */
export function parseReportInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid ${what}: ${issues.join('; ')}`, { field: formatPath(parsed.error.issues[0]?.path ?? []) });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}
