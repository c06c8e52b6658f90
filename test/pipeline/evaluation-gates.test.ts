import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary } from '../../client/format-summary.js';
import { startPass, waitForPass } from '../../client/pass.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { startHarness, type Harness } from '../support/harness.js';
import { exampleProject } from '../support/example.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

async function pass(pipeline: PipelineConfig) {
  return waitForPass(await startPass(h.client, pipeline, { taskQueue: h.taskQueue }));
}

describe('evaluation gates in a real pass (Temporal test server, real trainer)', () => {
  it('an unreachable floor blocks a promotion the margin and the bootstrap would allow, and the summary names it', async () => {
    // The drifted week's candidate beats the champion clearly (retrain-pipeline.test.ts promotes it);
    // here a ROC AUC floor no model reaches on this data keeps the champion.
    const { model, steady, drifted } = await exampleProject({
      evaluation: { margin: 0.01, floors: { rocAuc: 0.999 }, maxRegression: { f1Macro: 0.5 }, bootstrap: { iterations: 500, seed: 3 } },
    });
    await pass(steady);
    const s = await pass(drifted);

    expect(s.retrainReasons).toContain('drift');
    if (s.stages.evaluate.status !== 'done') throw new Error('evaluate did not run');
    const e = s.stages.evaluate.result;
    const verdicts = Object.fromEntries(e.gates.map((g) => [g.name, g.passed]));
    expect(verdicts).toEqual({ 'min-holdout': true, margin: true, bootstrap: true, 'floor:rocAuc': false, 'max-regression:f1Macro': true });
    expect(e.won).toBe(false);
    expect(e.candidate - e.champion).toBeGreaterThan(e.margin);
    expect(e.bootstrap).toMatchObject({ confidence: 0.95, iterations: 500 });
    expect(e.bootstrap!.lower).toBeGreaterThan(e.margin);
    expect(e.bootstrap!.lower).toBeLessThan(e.candidate - e.champion);
    // Every metric of both models, the probability metrics included.
    const rocAuc = e.metrics.find((m) => m.name === 'rocAuc');
    expect(rocAuc?.candidate).toBeGreaterThan(0.5);
    expect(rocAuc?.candidate).toBeLessThan(0.999);
    expect(e.metrics.find((m) => m.name === 'accuracy')?.candidate).toBeCloseTo(e.candidate, 12);

    expect(s.decision).toBe('kept-champion');
    expect(s.stages.promote).toMatchObject({ status: 'done', result: { promoted: false, version: 2 } });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);

    const text = formatSummary(s);
    expect(text).toMatch(/champion stays; failed gates: floor:rocAuc \(candidate rocAuc 0\.\d+ < floor 0\.999\)/);
    expect(text).not.toContain('margin (');

    // The run report compares every metric, the failed floor in the rocAuc row.
    if (s.report?.status !== 'written') throw new Error('no run report');
    const html = await readFile(join(h.home, 'reports', `${s.report.id}.html`), 'utf8');
    const table = /<table class="sortable" id="comparison-table">([\s\S]*?)<\/table>/.exec(html)![1]!;
    expect(table.match(/<tr>/g)!.length - 1).toBe(e.metrics.filter((m) => m.candidate !== null).length);
    expect(table).toContain('champion stays: failed floor:rocAuc');
    expect(table).toMatch(/FAILED floor:rocAuc: candidate rocAuc 0\.\d+ &lt; floor 0\.999/); // HTML-escaped
  });
});
