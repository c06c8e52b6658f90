/**
 * `npm run bench:drift`: driftloop's full drift report (Evidently's default
 * methods, then PSI on every column) on 1,000,000 reference + 1,000,000
 * current rows × 20 numeric + 5 categorical features, against Evidently's
 * DataDriftPreset on the same Parquet files and a memory-bandwidth floor, in
 * one run. Each driftloop measurement runs in a fresh process
 * (bench/drift-measure.ts) so its peak RSS is its own. docs/benchmarks.md
 * records the figures.
 *
 * Environment: BENCH_ROWS (rows per window, default 1,000,000), BENCH_RUNS
 * (timed runs after the warm-up, default 3).
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../config/paths.js';
import { BENCH_FEATURES } from './drift-data.js';
import { benchFiles } from './drift-files.js';
import { ksVersusScipy } from './drift-ks.js';

const run = promisify(execFile);
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const THREADS = 2;
const NUMERIC = BENCH_FEATURES.filter((f) => f.kind === 'numeric').length;
const CATEGORICAL = BENCH_FEATURES.length - NUMERIC;
/** Float64 per numeric value, Int32 per categorical code, both windows. */
const RAW_BYTES = 2 * ROWS * (NUMERIC * 8 + CATEGORICAL * 4);
const REFERENCE_PYTHON = join(projectRoot, '.venv-reference', 'bin', 'python');
const MEASURE = join(projectRoot, 'dist', 'bench', 'drift-measure.js');

interface ColumnVerdict {
  name: string;
  method: string | null;
  statistic: number | null;
  drifted: boolean;
  status: string;
}
interface ReportVerdicts {
  dataset: { drifted: boolean; share: number; driftedColumns: number };
  columns: ColumnVerdict[];
}
interface Measured {
  runs: number[];
  /** CPU seconds of the process (all threads) per run. */
  cpu?: number[];
  maxRssBytes: number;
  warmRssBytes?: number;
  read?: number[];
  floor?: number[];
  report?: ReportVerdicts;
  psi?: ReportVerdicts;
}
interface EvidentlyResult {
  seconds: { import: number; load: number; report: number; dict: number; total: number };
  maxRssBytes: number;
  columns: Record<string, { method: string; score: number | null; drifted: boolean | null }>;
  dataset: { drifted: boolean; count: number; share: number };
}

async function measure(...args: string[]): Promise<Measured> {
  const { stdout } = await run(process.execPath, ['--expose-gc', MEASURE, ...args], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (s: number) => (s >= 10 ? `${s.toFixed(1)} s` : s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`);
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en')} MiB`;
const times = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
const pad = (s: string, n: number) => s.padEnd(n);

/** Evidently's display names for driftloop's methods. */
const EVIDENTLY_METHOD: Record<string, string> = {
  ks: 'K-S p_value',
  chisquare: 'chi-square p_value',
  ztest: 'Z-test p_value',
  wasserstein: 'Wasserstein distance (normed)',
  jensenshannon: 'Jensen-Shannon distance',
  psi: 'PSI',
};

async function main(): Promise<void> {
  if (!existsSync(MEASURE)) throw new Error(`${MEASURE} is missing: build first (npm run bench:drift runs scripts/setup.sh, which builds)`);
  if (!existsSync(REFERENCE_PYTHON)) throw new Error(`${REFERENCE_PYTHON} is missing: run scripts/setup.sh (it creates .venv-reference with Evidently)`);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg()[0]!.toFixed(2);
  console.log(
    `drift report benchmark: ${ROWS.toLocaleString('en')} reference + ${ROWS.toLocaleString('en')} current rows × ${NUMERIC} numeric + ${CATEGORICAL} categorical features`,
  );
  console.log(
    `machine: ${availableParallelism()} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${load} at the start`,
  );

  const files = benchFiles(join(projectRoot, '.driftloop', 'bench'), ROWS);
  if (files.fresh) {
    process.stdout.write('writing the data (once; cached under .driftloop/bench) … ');
    const g = await measure('generate', files.reference, files.current, String(ROWS));
    console.log(sec((g as unknown as { seconds: number }).seconds));
  }
  const size = (f: string) => `${relative(projectRoot, f)} (${mb(statSync(f).size)})`;
  console.log(`data: ${size(files.reference)}, ${size(files.current)}; snappy Parquet, nullable columns, row groups of 100,000`);
  console.log(`raw column bytes: ${mb(RAW_BYTES)} (2 × ${ROWS.toLocaleString('en')} × (${NUMERIC} × 8 + ${CATEGORICAL} × 4) bytes)`);
  console.log('');

  const progress = (what: string) => process.stderr.write(`… ${what}\n`);
  progress(`driftloop from memory, 1 thread (warm-up + ${RUNS} runs)`);
  const serial = await measure('memory-serial', files.reference, files.current, String(RUNS));
  progress(`driftloop from memory, ${THREADS} threads`);
  const parallel = await measure('memory-parallel', files.reference, files.current, String(RUNS), String(THREADS));
  progress(`driftloop from Parquet, ${THREADS} threads`);
  const parquet = await measure('parquet', files.reference, files.current, String(RUNS), String(THREADS));
  progress('Evidently DataDriftPreset (one run; minutes)');
  const evidentlyRun = await run(REFERENCE_PYTHON, [join(projectRoot, 'bench', 'drift_evidently.py'), files.reference, files.current], {
    env: { ...process.env, DO_NOT_TRACK: '1' },
    maxBuffer: 64 << 20,
  });
  const evidently = JSON.parse(evidentlyRun.stdout.trim().split('\n').at(-1)!) as EvidentlyResult;
  progress('KS alone: driftloop vs SciPy');
  const ks = ksVersusScipy(REFERENCE_PYTHON, ROWS);

  const tSerial = median(serial.runs);
  const tParallel = median(parallel.runs);
  const tParquet = median(parquet.runs);
  const tRead = median(parquet.read!);
  const tFloor = median(serial.floor!);
  const tEvidently = evidently.seconds.report;
  const runs = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(', ');

  console.log('time (median of the runs after a warm-up)');
  const cpuNote = (m: Measured) => (m.cpu ? `; CPU ${sec(median(m.cpu))} per run` : '');
  const rows: [string, string, string][] = [
    ['driftloop full report from memory, 1 thread', sec(tSerial), `runs ${runs(serial.runs)} s${cpuNote(serial)}`],
    [`driftloop full report from memory, ${THREADS} threads`, sec(tParallel), `runs ${runs(parallel.runs)} s${cpuNote(parallel)}`],
    [
      `driftloop from Parquet: read both files + full report, ${THREADS} threads`,
      sec(tParquet),
      `read ${sec(tRead)}; runs ${runs(parquet.runs)} s${cpuNote(parquet)}`,
    ],
    [
      'Evidently DataDriftPreset, report only (peer)',
      sec(tEvidently),
      `pandas load ${sec(evidently.seconds.load)}, imports ${sec(evidently.seconds.import)}, whole script ${sec(evidently.seconds.total)}; one run`,
    ],
    ['floor: one pass summing every column of both windows', sec(tFloor), `runs ${runs(serial.floor!)} s`],
  ];
  for (const [what, t, note] of rows) console.log(`  ${pad(what, 72)} ${t.padStart(9)}   ${note}`);
  console.log('  (full report = Evidently\'s default methods, then PSI on every column, with the HTML report\'s distributions;');
  console.log('   Evidently computes its default methods only)');
  console.log('');

  console.log(`peak memory (RSS high-water mark of the process) vs raw column bytes ${mb(RAW_BYTES)}`);
  const peaks: [string, number][] = [
    ['driftloop from memory, 1 thread', serial.maxRssBytes],
    [`driftloop from memory, ${THREADS} threads`, parallel.maxRssBytes],
    [`driftloop from Parquet, one cold read + report, ${THREADS} threads`, parquet.warmRssBytes ?? parquet.maxRssBytes],
    [`driftloop from Parquet, after ${RUNS + 1} read + report cycles`, parquet.maxRssBytes],
    ['Evidently (pandas DataFrames + report)', evidently.maxRssBytes],
  ];
  for (const [what, bytes] of peaks) console.log(`  ${pad(what, 72)} ${mb(bytes).padStart(9)}   ${times(bytes / RAW_BYTES)}`);
  console.log('');

  // Agreement: every column's method and verdict, and the data set's verdict, against Evidently's.
  const ours = serial.report!;
  let agree = 0;
  let maxRel = 0;
  const disagreements: string[] = [];
  for (const c of ours.columns) {
    const e = evidently.columns[c.name];
    const sameMethod = e !== undefined && c.method !== null && EVIDENTLY_METHOD[c.method] === e.method;
    if (e && sameMethod && e.drifted === c.drifted) agree++;
    else disagreements.push(`${c.name}: driftloop ${c.method} ${c.drifted ? 'drift' : 'no drift'}, Evidently ${e ? `${e.method} ${e.drifted ? 'drift' : 'no drift'}` : 'absent'}`);
    if (e?.score != null && c.statistic !== null) maxRel = Math.max(maxRel, Math.abs(c.statistic - e.score) / Math.max(Math.abs(e.score), 1e-300));
  }
  const sameDataset = ours.dataset.drifted === evidently.dataset.drifted && ours.dataset.driftedColumns === evidently.dataset.count;
  console.log(
    `agreement with Evidently: ${agree}/${ours.columns.length} columns (method and verdict); data set ${sameDataset ? 'same' : 'DIFFERENT'} ` +
      `(driftloop ${ours.dataset.driftedColumns} drifted, ${ours.dataset.drifted ? 'drift' : 'no drift'}; Evidently ${evidently.dataset.count}, ${evidently.dataset.drifted ? 'drift' : 'no drift'}); ` +
      `largest relative score difference ${maxRel.toExponential(1)}`,
  );
  for (const d of disagreements) console.log(`  differs: ${d}`);
  const expected = BENCH_FEATURES.filter((f) => f.drifts).map((f) => f.name);
  const flagged = ours.columns.filter((c) => c.drifted).map((c) => c.name);
  console.log(`drifted by design: ${expected.join(', ')}; driftloop flags: ${flagged.join(', ')}`);
  const psiFlagged = serial.psi!.columns.filter((c) => c.drifted).map((c) => c.name);
  console.log(`PSI report flags: ${psiFlagged.join(', ')}`);
  console.log('');

  console.log('ratios and targets');
  const targets: [string, string, boolean | null][] = [
    [`full report from memory ≤ 1 s (${THREADS} threads)`, sec(tParallel), tParallel <= 1],
    ['full report from memory, 1 thread', sec(tSerial), null],
    [`Evidently / driftloop ≥ 20× (report only vs full report, ${THREADS} threads)`, times(tEvidently / tParallel), tEvidently / tParallel >= 20],
    ['Evidently / driftloop, 1 thread', times(tEvidently / tSerial), null],
    ['Evidently whole script / driftloop from Parquet', times(evidently.seconds.total / tParquet), null],
    [`peak ≤ 2× raw column bytes (from memory, ${THREADS} threads)`, times(parallel.maxRssBytes / RAW_BYTES), parallel.maxRssBytes <= 2 * RAW_BYTES],
    ['peak / raw column bytes, from memory, 1 thread', times(serial.maxRssBytes / RAW_BYTES), null],
    [`driftloop (${THREADS} threads) / memory floor`, times(tParallel / tFloor), null],
    ['driftloop (1 thread) / memory floor', times(tSerial / tFloor), null],
  ];
  for (const [what, value, ok] of targets) console.log(`  ${ok === null ? '    ' : verdict(ok)}  ${pad(what, 72)} ${value.padStart(9)}`);
  console.log('');

  console.log(`KS alone, ${ks.rows.toLocaleString('en')} vs ${ks.rows.toLocaleString('en')} float64 (normal, shifted by 0.01 sd; best of ${ks.repeats})`);
  console.log(`  driftloop ksTwoSample     ${sec(ks.driftloop.seconds).padStart(9)}   D=${ks.driftloop.statistic.toFixed(6)} p=${ks.driftloop.pValue.toExponential(4)} (${ks.driftloop.method})`);
  console.log(`  scipy.stats.ks_2samp      ${sec(ks.scipy.seconds).padStart(9)}   D=${ks.scipy.statistic.toFixed(6)} p=${ks.scipy.pvalue.toExponential(4)}`);
  console.log(`  V8 sort of both copies    ${sec(ks.sortFloor).padStart(9)}   (Float64Array.prototype.sort: what a comparison sort costs here)`);
  console.log(`  SciPy / driftloop ${times(ks.scipy.seconds / ks.driftloop.seconds)}; driftloop / V8 sort ${times(ks.driftloop.seconds / ks.sortFloor)}`);
  console.log('');
  console.log(`load average at the end: ${loadavg()[0]!.toFixed(2)} (other processes share the ${availableParallelism()} cores: compare wall and CPU time)`);
}

await main();
