import { BatchConfig } from './batch.js';
import { readConfigFile } from './read-config-file.js';

/**
 * Reads a batch config (YAML or JSON), validates it and resolves the input and
 * output paths relative to the file, so that a run started from any directory
 * (or by a schedule, long after) reads and writes the same places.
 */
export async function loadBatchConfig(file: string): Promise<BatchConfig> {
  const { config, resolvePath } = await readConfigFile(file, BatchConfig, 'batch config');
  const input = config.input.kind === 'postgres' ? config.input : { ...config.input, path: resolvePath(config.input.path) };
  return { ...config, input, output: { ...config.output, path: resolvePath(config.output.path) } };
}
