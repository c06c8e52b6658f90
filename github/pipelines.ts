import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { loadPipelineConfig } from '../config/load.js';
import type { PipelineConfig } from '../config/pipeline.js';
import { ConfigError } from '../errors/index.js';

/**
 * The pipelines the webhook receiver serves: every `*.yaml`/`*.yml` file
 * directly in `dir`. Any invalid file is an error (a typo must not silently
 * stop a model's triggers), and so are two files for the same model.
 */
export async function loadPipelineDir(dir: string): Promise<PipelineConfig[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => ['.yaml', '.yml'].includes(extname(n))).sort();
  } catch (err) {
    throw new ConfigError(`--config-dir ${dir}: cannot read the directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { field: 'config-dir' });
  }
  if (names.length === 0) throw new ConfigError(`--config-dir ${dir} has no pipeline configs (*.yaml, *.yml)`, { field: 'config-dir' });
  const pipelines: PipelineConfig[] = [];
  const files = new Map<string, string>();
  for (const n of names) {
    const p = await loadPipelineConfig(join(dir, n));
    const other = files.get(p.model);
    if (other) throw new ConfigError(`${join(dir, n)}: model "${p.model}" is also configured by ${other}`, { field: 'model' });
    files.set(p.model, join(dir, n));
    pipelines.push(p);
  }
  return pipelines;
}
