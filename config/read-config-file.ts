import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { formatIssues } from './format-issues.js';

/**
 * Reads a config file (YAML or JSON) and validates it with `schema`; every
 * failure is a ConfigError naming the file (and the line or field). Returns
 * the config and a function that resolves a path relative to the file, so a
 * run started from any directory (or by a worker, long after) reads the same
 * files.
 */
export async function readConfigFile<S extends z.ZodType>(
  file: string,
  schema: S,
  kind: string,
): Promise<{ config: z.infer<S>; resolvePath: (p: string) => string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${kind} ${file}: ${(err as Error).message}`, { file });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ConfigError(`${file}${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file} is not a valid ${kind}: ${formatIssues(parsed.error)}`, { file });
  const base = dirname(resolve(file));
  return { config: parsed.data, resolvePath: (p) => (isAbsolute(p) ? p : resolve(base, p)) };
}
