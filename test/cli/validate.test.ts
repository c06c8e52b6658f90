import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeExampleProject, type ExampleProject } from '../../demo/example.js';
import { driftloop } from '../support/cli.js';

let project: ExampleProject;
beforeAll(async () => {
  project = await writeExampleProject(await mkdtemp(join(tmpdir(), 'driftloop-validate-')), { model: 'churn-validate', rows: 50 });
});

describe('driftloop validate', () => {
  it('prints "ok <model> (<file>)" per valid config and exits 0, without a Temporal server', async () => {
    const { code, stdout, stderr } = await driftloop(['validate', project.steadyConfig, project.driftedConfig], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`ok churn-validate (${project.steadyConfig})\nok churn-validate (${project.driftedConfig})\n`);
  });

  it('validates every *.yaml / *.yml in a folder and reports each bad one on one line naming the file and field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-validate-'));
    await writeFile(join(dir, 'a-bad.yml'), 'model: churn\ntask: binary\ntarget: y\nfeatures: []\ndata: { reference: a.csv, current: b.csv }\n');
    await writeFile(join(dir, 'b-not-yaml.yaml'), 'model: [unclosed\n');
    await writeFile(join(dir, 'ignored.txt'), 'not a config');
    const good = join(dir, 'c-good.yaml');
    // A copy of the example config in another folder, its data paths made absolute.
    const text = await readFile(project.steadyConfig, 'utf8');
    await writeFile(good, text.replace('reference.csv', join(project.dir, 'reference.csv')).replace('current-steady.csv', join(project.dir, 'current-steady.csv')));
    const { code, stdout, stderr } = await driftloop(['validate', dir]);
    expect(code).toBe(1);
    expect(stdout).toBe(`ok churn-validate (${good})\n`);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^driftloop: error: .*a-bad\.yml is not a valid pipeline config: features: /);
    expect(lines[1]).toMatch(/^driftloop: error: .*b-not-yaml\.yaml \(line \d+\): not valid YAML/);
  });

  it('--json prints [{file, model?, ok, error?}]', async () => {
    const missing = join(project.dir, 'nope.yaml');
    const { code, stdout } = await driftloop(['validate', '--json', project.steadyConfig, missing]);
    expect(code).toBe(1);
    const results = JSON.parse(stdout);
    expect(results).toEqual([
      { file: project.steadyConfig, model: 'churn-validate', ok: true },
      { file: missing, ok: false, error: expect.stringMatching(/^cannot read pipeline config .*nope\.yaml/) },
    ]);
  });

  it('a data file named by the config that does not exist is an error naming the field (unless --no-data-check)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-validate-'));
    const copy = await writeExampleProject(dir, { model: 'churn-nodata', rows: 50 });
    await rm(join(dir, 'current-steady.csv'));
    const { code, stdout, stderr } = await driftloop(['validate', copy.steadyConfig]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(`driftloop: error: ${copy.steadyConfig}: data.current: ${join(dir, 'current-steady.csv')} does not exist`);
    await rm(join(dir, 'reference.csv'));
    expect((await driftloop(['validate', copy.steadyConfig])).stderr).toMatch(/: data\.reference: .*reference\.csv does not exist/);

    const skipped = await driftloop(['validate', '--no-data-check', copy.steadyConfig]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toBe(`ok churn-nodata (${copy.steadyConfig})\n`);
  });

  it('a folder without configs is an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-validate-'));
    await mkdir(join(dir, 'sub'));
    const { code, stderr } = await driftloop(['validate', dir]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`driftloop: error: ${dir}: folder has no *.yaml or *.yml files`);
  });
});
