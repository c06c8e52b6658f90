import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BatchConfig } from '../../config/batch.js';
import { PipelineConfig } from '../../config/pipeline.js';
import { referenceSections, renderConfigReference } from '../../config/reference.js';
import { REFERENCE_FILE } from '../../config/write-reference.js';

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` generates from the schemas now', async () => {
    const committed = await readFile(REFERENCE_FILE, 'utf8');
    // On failure: run `npm run docs:config` and commit docs/configuration.md.
    expect(committed).toBe(renderConfigReference());
  });

  it('describes every field of the pipeline and batch configs, with its default', () => {
    for (const schema of [PipelineConfig, BatchConfig]) {
      for (const section of referenceSections(schema)) {
        for (const row of section.rows) expect(row.description, `${row.path} has no .describe() text`).not.toBe('');
      }
    }
    const rows = referenceSections(PipelineConfig).flatMap((s) => s.rows);
    const row = (path: string) => rows.find((r) => r.path === `\`${path}\``);
    expect(row('model')?.default).toBe('**required**');
    expect(row('drift.share')).toMatchObject({ type: 'number > 0, ≤ 1', default: '`0.5`' });
    expect(row('trainer.runner')?.type).toBe('"local" \\| "temporal" \\| "kubernetes"');
    expect(row('monitor.window.hours')?.description).toMatch(/^\(kind "prediction-log"\) /);
  });
});
