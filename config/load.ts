import { PipelineConfig } from './pipeline.js';
import { readConfigFile } from './read-config-file.js';

/**
 * Reads a pipeline config file (YAML or JSON), validates it and resolves data
 * paths relative to the file, so that a pass started from any directory (or
 * by a worker on another machine with the same mounts) reads the same files.
 */
export async function loadPipelineConfig(file: string): Promise<PipelineConfig> {
  const { config, resolvePath } = await readConfigFile(file, PipelineConfig, 'pipeline config');
  return { ...config, data: { reference: resolvePath(config.data.reference), current: resolvePath(config.data.current) } };
}
