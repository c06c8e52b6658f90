import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors/index.js';
import { BatchConfig } from './batch.js';
import { formatIssues } from './format-issues.js';

/**
 * Reads a batch config (YAML or JSON), validates it and resolves the input and
 * output paths relative to the file, so that a run started from any directory
 * (or by a schedule, long after) reads and writes the same places.
 */
export async function loadBatchConfig(file: string): Promise<BatchConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read batch config ${file}: ${(err as Error).message}`, { file });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ConfigError(`${file}${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  const parsed = BatchConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file} is not a valid batch config: ${formatIssues(parsed.error)}`, { file });
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const cfg = parsed.data;
  const input = cfg.input.kind === 'postgres' ? cfg.input : { ...cfg.input, path: abs(cfg.input.path) };
  return { ...cfg, input, output: { ...cfg.output, path: abs(cfg.output.path) } };
}
