import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../client/program.js';

/** deploy/github/driftloop-retrain.yml: the ready-to-copy GitHub Actions workflow. */

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Workflow = {
  on: { workflow_dispatch: { inputs: Record<string, { required?: boolean; type: string; default?: unknown }> }; push: { branches: string[]; paths: string[] } };
  jobs: Record<string, { env: Record<string, string>; steps: Step[] }>;
};

const file = new URL('../../deploy/github/driftloop-retrain.yml', import.meta.url);

describe('deploy/github/driftloop-retrain.yml', () => {
  it('is valid YAML with a model input on workflow_dispatch and push paths', async () => {
    const wf = parse(await readFile(file, 'utf8')) as Workflow;
    expect(wf.on.workflow_dispatch.inputs.model).toMatchObject({ required: true, type: 'string' });
    expect(wf.on.workflow_dispatch.inputs.force).toMatchObject({ type: 'boolean', default: false });
    expect(wf.on.push.branches).toEqual(['main']);
    expect(wf.on.push.paths.length).toBeGreaterThan(0);
    const job = wf.jobs.retrain!;
    expect(job.env.MODEL).toBe("${{ inputs.model || 'churn' }}");
    // A push (the model's code changed) forces a pass; a dispatch forces it when asked.
    expect(job.env.FORCE).toBe("${{ github.event_name == 'push' || inputs.force }}");
  });

  it('installs driftloop, then runs `driftloop run "$MODEL" --wait` against TEMPORAL_ADDRESS from the secrets, with flags the real CLI has', async () => {
    const wf = parse(await readFile(file, 'utf8')) as Workflow;
    const steps = wf.jobs.retrain!.steps;
    const install = steps.findIndex((s) => s.run?.includes('npm install --global ./.driftloop'));
    const runStep = steps.findIndex((s) => s.run?.includes('driftloop run "$MODEL"'));
    expect(install).toBeGreaterThan(-1);
    expect(runStep).toBeGreaterThan(install);
    expect(steps.find((s) => s.with?.path === '.driftloop')).toMatchObject({ uses: 'actions/checkout@v4' });
    const step = steps[runStep]!;
    expect(step.env?.TEMPORAL_ADDRESS).toBe('${{ secrets.TEMPORAL_ADDRESS }}');
    expect(step.env?.TEMPORAL_NAMESPACE).toMatch(/secrets\.TEMPORAL_NAMESPACE/);
    const line = step.run!.split('\n').find((l) => l.trim().startsWith('driftloop run '))!.trim();
    expect(line).toBe('driftloop run "$MODEL" --wait "${args[@]}"');
    expect(step.run).toContain('args+=(--force)');

    // Every flag the workflow passes is an option of the real `driftloop run`, which takes one argument.
    const run = buildProgram().commands.find((c) => c.name() === 'run')!;
    const flags = [...step.run!.matchAll(/(--[a-z-]+)/g)].map((m) => m[1]!);
    expect(flags.sort()).toEqual(['--force', '--wait']);
    for (const f of flags) expect(run.options.map((o) => o.long)).toContain(f);
    expect(run.registeredArguments).toHaveLength(1);
  });
});
