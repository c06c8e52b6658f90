import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors/index.js';
import { formatIssues } from './format-issues.js';
import { PipelineConfig } from './pipeline.js';

/**
 * Reads a pipeline config file (YAML or JSON), validates it and resolves data
 * paths relative to the file, so that a pass started from any directory (or
 * by a worker on another machine with the same mounts) reads the same files.
 */
export async function loadPipelineConfig(file: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read pipeline config ${file}: ${(err as Error).message}`, { file });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ConfigError(`${file}${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  const parsed = PipelineConfig.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${file} is not a valid pipeline config: ${formatIssues(parsed.error)}`, { file });
  }
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const cfg = parsed.data;
  return { ...cfg, data: { reference: abs(cfg.data.reference), current: abs(cfg.data.current) } };
}
