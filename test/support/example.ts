import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipelineConfig } from '../../config/load.js';
import type { PipelineConfig, PipelineConfigInput } from '../../config/pipeline.js';
import { writeExampleProject } from '../../demo/example.js';

/** A fresh example project with a model name no other test uses. */
export async function exampleProject(overrides: Partial<PipelineConfigInput> = {}): Promise<{
  model: string;
  steady: PipelineConfig;
  drifted: PipelineConfig;
  dir: string;
}> {
  const model = `churn-${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'driftloop-example-'));
  const project = await writeExampleProject(dir, { model, overrides });
  return {
    model,
    dir,
    steady: await loadPipelineConfig(project.steadyConfig),
    drifted: await loadPipelineConfig(project.driftedConfig),
  };
}
