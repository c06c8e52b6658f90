import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../dataset/synthetic.js';
import { DriftReport } from '../../drift/report.js';
import { driftloop } from '../support/cli.js';

/**
 * `driftloop drift` end to end: the built CLI on generated CSV and Parquet
 * files. 2,000 rows per window, so the default methods are Evidently's
 * large-sample ones (normed Wasserstein, Jensen–Shannon).
 */

const ROWS = 2000;
let dir: string;
let refCsv: string;
let curCsv: string;
let refParquet: string;
let sameCsv: string;

interface Window {
  stable: number[];
  shifted: number[];
  score: (number | null)[];
  plan: string[];
  region: string[];
}

function generate(seed: number, current: boolean): Window {
  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const w: Window = { stable: [], shifted: [], score: [], plan: [], region: [] };
  for (let i = 0; i < ROWS; i++) {
    w.stable.push(50 + 10 * normal());
    // One standard deviation up in the current window.
    w.shifted.push(100 + 5 * normal() + (current ? 5 : 0));
    // 5 % missing in the reference, 25 % in the current window; values unchanged.
    w.score.push(rand() < (current ? 0.25 : 0.05) ? null : 0.5 + 0.1 * normal());
    const u = rand();
    w.plan.push(u < 0.5 ? 'basic' : u < 0.8 ? 'standard' : 'premium');
    // A new region takes 40 % of the current window.
    const v = rand();
    w.region.push(current && v < 0.4 ? 'south' : v < 0.7 ? 'north' : 'east');
  }
  return w;
}

const NAMES = ['stable', 'shifted', 'score', 'plan', 'region'] as const;

async function writeCsv(file: string, w: Window): Promise<void> {
  const rows = w.stable.map((_, i) => NAMES.map((n) => w[n][i] ?? ''));
  await writeFile(file, stringify([NAMES as unknown as string[], ...rows]));
}

function parseReport(stdout: string): DriftReport {
  return DriftReport.parse(JSON.parse(stdout));
}

const column = (r: DriftReport, name: string) => {
  const c = r.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name} in the report`);
  return c;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftloop-drift-cli-'));
  const ref = generate(1, false);
  const cur = generate(2, true);
  refCsv = join(dir, 'reference.csv');
  curCsv = join(dir, 'current.csv');
  sameCsv = join(dir, 'same.csv');
  await writeCsv(refCsv, ref);
  await writeCsv(curCsv, cur);
  await writeCsv(sameCsv, generate(3, false));
  refParquet = join(dir, 'reference.parquet');
  parquetWriteFile({
    filename: refParquet,
    columnData: [
      { name: 'stable', data: ref.stable, type: 'DOUBLE' },
      { name: 'shifted', data: ref.shifted, type: 'DOUBLE' },
      { name: 'score', data: ref.score, type: 'DOUBLE' },
      { name: 'plan', data: ref.plan, type: 'STRING' },
      { name: 'region', data: ref.region, type: 'STRING' },
    ],
  });
});

describe('driftloop drift', () => {
  it('--format json prints a valid DriftReport: the shifted columns drift, the unshifted ones do not, missing values are counted', async () => {
    const { code, stdout, stderr } = await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const r = parseReport(stdout);
    expect(r.columns.map((c) => c.name)).toEqual([...NAMES]);
    expect(column(r, 'shifted')).toMatchObject({ kind: 'numeric', method: 'wasserstein', drifted: true, pValue: null, threshold: 0.1 });
    expect(column(r, 'stable')).toMatchObject({ kind: 'numeric', method: 'wasserstein', drifted: false });
    expect(column(r, 'region')).toMatchObject({ kind: 'categorical', method: 'jensenshannon', drifted: true });
    expect(column(r, 'plan')).toMatchObject({ kind: 'categorical', method: 'jensenshannon', drifted: false });
    const score = column(r, 'score');
    expect(score.drifted).toBe(false);
    expect(score.missingJump).toBe(true);
    const ref = generate(1, false).score.filter((v) => v === null).length;
    const cur = generate(2, true).score.filter((v) => v === null).length;
    expect(score.missing).toEqual({ reference: ref, current: cur });
    expect(score.rows).toEqual({ reference: ROWS - ref, current: ROWS - cur });
    expect(r.dataset).toMatchObject({ drifted: false, driftedColumns: 2, testedColumns: 5, share: 0.4, threshold: 0.5, rows: { reference: ROWS, current: ROWS } });
  });

  it('reads Parquet and CSV alike: a Parquet reference gives the same report', async () => {
    const fromCsv = parseReport((await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--format', 'json'])).stdout);
    const { code, stdout } = await driftloop(['drift', '--reference', refParquet, '--current', curCsv, '--format', 'json', '--threads', '1']);
    expect(code).toBe(0);
    expect(parseReport(stdout)).toEqual(fromCsv);
  });

  it('honours --columns, --method and --threshold for every column', async () => {
    const picked = parseReport(
      (await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--format', 'json', '--columns', 'region,stable'])).stdout,
    );
    expect(picked.columns.map((c) => c.name)).toEqual(['region', 'stable']);
    expect(picked.dataset).toMatchObject({ drifted: true, share: 0.5 });

    const psi = parseReport((await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--format', 'json', '--method', 'psi'])).stdout);
    expect(psi.columns.map((c) => c.method)).toEqual(['psi', 'psi', 'psi', 'psi', 'psi']);
    expect(column(psi, 'shifted').drifted).toBe(true);
    expect(column(psi, 'stable').drifted).toBe(false);

    const ks = parseReport(
      (await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--format', 'json', '--method', 'ks', '--columns', 'stable,shifted'])).stdout,
    );
    expect(ks.columns.map((c) => [c.method, c.drifted])).toEqual([
      ['ks', false],
      ['ks', true],
    ]);
    expect(column(ks, 'shifted').pValue).toBeLessThan(1e-10);

    // A threshold no distance reaches: nothing drifts.
    const lax = parseReport((await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--format', 'json', '--threshold', '5'])).stdout);
    expect(lax.columns.every((c) => c.threshold === 5 && !c.drifted)).toBe(true);
  });

  it('takes features (names and kinds) and the drift section from --config; flags override its per-feature rules', async () => {
    const config = join(dir, 'pipeline.yaml');
    await writeFile(
      config,
      [
        'model: churn',
        'task: binary',
        'target: churned',
        'features:',
        '  - { name: shifted, kind: numeric }',
        '  - { name: plan, kind: categorical }',
        '  - { name: region, kind: categorical }',
        'data: { reference: reference.csv, current: current.csv }',
        'trainer: { estimator: logistic_regression }',
        'drift:',
        '  share: 0.9',
        '  features:',
        '    shifted: { method: ks, threshold: 0.01 }',
        '    region: { mustWatch: true }',
      ].join('\n'),
    );
    const r = parseReport((await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--config', config, '--format', 'json'])).stdout);
    expect(r.columns.map((c) => c.name)).toEqual(['shifted', 'plan', 'region']);
    expect(column(r, 'shifted')).toMatchObject({ method: 'ks', threshold: 0.01, drifted: true });
    expect(column(r, 'region')).toMatchObject({ mustWatch: true, drifted: true });
    // 2 of 3 drifted is below the config's share (0.9); the must-watch column drifts the data set alone.
    expect(r.dataset).toMatchObject({ threshold: 0.9, drifted: true, mustWatchDrifted: ['region'] });

    const overridden = parseReport(
      (await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--config', config, '--format', 'json', '--method', 'psi', '--threshold', '0.2']))
        .stdout,
    );
    expect(overridden.columns.map((c) => [c.method, c.threshold])).toEqual([
      ['psi', 0.2],
      ['psi', 0.2],
      ['psi', 0.2],
    ]);
    expect(column(overridden, 'region').mustWatch).toBe(true);
  });

  it('prints a readable table by default, and writes --out files (table, html) without touching stdout', async () => {
    const { code, stdout } = await driftloop(['drift', '--reference', refCsv, '--current', curCsv]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^column\s+kind\s+method\s+statistic\s+p-value\s+threshold\s+drifted\s+missing ref\s+missing cur$/);
    expect(stdout).toMatch(/^shifted\s+numeric\s+wasserstein\s+[\d.]+\s+—\s+0\.1\s+DRIFT\s+0 \(0 %\)\s+0 \(0 %\)$/m);
    expect(stdout).toMatch(/^stable\s+numeric\s+wasserstein\s+[\d.]+\s+—\s+0\.1\s+no\s/m);
    expect(stdout).toMatch(/^data set: no drift — 2 of 5 tested columns drifted \(share 40 %, threshold 50 %\); rows: reference 2,000, current 2,000$/m);

    const outDir = await mkdtemp(join(tmpdir(), 'driftloop-drift-out-'));
    const html = join(outDir, 'report.html');
    const written = await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--format', 'html', '--out', html]);
    expect(written).toMatchObject({ code: 0, stdout: '' });
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toContain('shifted');
    // The temporary file was renamed, not left behind.
    expect(await readdir(outDir)).toEqual(['report.html']);

    const table = join(outDir, 'report.txt');
    expect(await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--out', table])).toMatchObject({ code: 0, stdout: '' });
    expect(await readFile(table, 'utf8')).toBe(stdout);
  });

  it('exits 3 with --fail-on-drift when the data set drifted, 0 when it did not', async () => {
    const drifted = await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--columns', 'shifted,region', '--fail-on-drift']);
    expect(drifted.code).toBe(3);
    expect(drifted.stdout).toMatch(/^data set: DRIFT/m);
    const calm = await driftloop(['drift', '--reference', refCsv, '--current', sameCsv, '--fail-on-drift']);
    expect(calm.code).toBe(0);
    expect(calm.stdout).toMatch(/^data set: no drift — 0 of 5/m);
  });

  it.each([
    [['--method', 'cosine'], /^driftloop: error: --method must be one of ks, chisquare, ztest, wasserstein, jensenshannon, psi, not "cosine"$/],
    [['--threshold', 'abc'], /^driftloop: error: --threshold must be a positive number, not "abc"$/],
    [['--threshold', '0'], /^driftloop: error: --threshold must be a positive number, not "0"$/],
    [['--format', 'xml'], /^driftloop: error: --format must be table, json or html, not "xml"$/],
    [['--threads', '0'], /^driftloop: error: --threads must be a whole number from 1 to 256, not "0"$/],
    [['--columns', 'a,,b'], /^driftloop: error: --columns must be comma-separated column names, not "a,,b"$/],
    [['--method', 'ks', '--columns', 'plan'], /^driftloop: error: --method ks needs numeric columns, but "plan" is categorical/],
    [['--frobnicate'], /^driftloop: error: unknown option '--frobnicate'$/],
  ])('rejects bad flags %j with exit 2 and one line naming the flag', async (extra, message) => {
    const { code, stdout, stderr } = await driftloop(['drift', '--reference', refCsv, '--current', curCsv, ...extra]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(message);
  });

  it('exits 2 when a required flag is missing, 1 with a clear message for a missing file or column', async () => {
    const noRef = await driftloop(['drift', '--current', curCsv]);
    expect(noRef.code).toBe(2);
    expect(noRef.stderr.trimEnd()).toBe("driftloop: error: required option '--reference <file>' not specified");

    const missing = join(dir, 'nope.parquet');
    const noFile = await driftloop(['drift', '--reference', missing, '--current', curCsv]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr.trimEnd()).toBe(`driftloop: error: data file ${missing} does not exist`);

    const noColumn = await driftloop(['drift', '--reference', refCsv, '--current', curCsv, '--columns', 'stable,zip']);
    expect(noColumn.code).toBe(1);
    expect(noColumn.stderr.trimEnd()).toBe(`driftloop: error: ${refCsv} has no column "zip"; columns present: stable, shifted, score, plan, region`);
  });
});
