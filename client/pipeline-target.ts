import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { loadPipelineConfig } from '../config/load.js';
import type { PipelineConfig } from '../config/pipeline.js';
import { ConfigError } from '../errors/index.js';
import { loadPipelineDir } from '../github/pipelines.js';

/**
 * A pipeline named on the command line: a config file, or a model name looked
 * up among the configs of a folder (`--config-dir`, env DRIFTLOOP_CONFIG_DIR,
 * default the working directory).
 */
export async function resolvePipeline(target: string, configDir: string | undefined): Promise<PipelineConfig> {
  if (['.yaml', '.yml'].includes(extname(target)) || (await isFile(target))) return loadPipelineConfig(target);
  const dir = configDir ?? process.env.DRIFTLOOP_CONFIG_DIR ?? '.';
  const pipelines = await loadPipelineDir(dir);
  const found = pipelines.find((p) => p.model === target);
  if (!found) {
    throw new ConfigError(`no pipeline config for model "${target}" in ${dir} (models: ${pipelines.map((p) => p.model).join(', ')}); give a config file or --config-dir`, { model: target });
  }
  return found;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
