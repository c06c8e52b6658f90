/**
 * One measurement of `npm run bench:drift`, run by bench/drift.ts in a fresh
 * process so that each peak RSS (process.resourceUsage().maxRSS) belongs to
 * that measurement alone. Prints one JSON line on stdout.
 *
 *   node dist/bench/drift-measure.js generate        REF CUR ROWS
 *   node dist/bench/drift-measure.js memory-serial   REF CUR RUNS
 *   node dist/bench/drift-measure.js memory-parallel REF CUR RUNS THREADS
 *   node dist/bench/drift-measure.js parquet         REF CUR RUNS THREADS
 */
import { DRIFT_DEFAULTS, DriftConfig } from '../config/drift.js';
import type { ColumnSet } from '../dataset/columns.js';
import { readColumns } from '../dataset/read-columns.js';
import { closeDriftWorkers, computeDriftReports, computeDriftReportsParallel } from '../drift/index.js';
import type { DriftReport } from '../drift/report.js';
import { generateWindow } from './drift-data.js';
import { writeColumnSetParquet } from './drift-files.js';

const [mode, referenceFile, currentFile, countArg, threadsArg] = process.argv.slice(2);
if (!mode || !referenceFile || !currentFile || !countArg) throw new Error('usage: drift-measure.js MODE REF CUR N [THREADS]');
const count = Number(countArg);
const threads = Number(threadsArg ?? 1);

const DEFAULT_CONFIG = DRIFT_DEFAULTS;
const PSI_CONFIG = DriftConfig.parse({ method: 'psi' });

/**
 * The full report: Evidently's default methods, then PSI on every column
 * (with the charts' distributions, as the drift stage stores it), as two
 * reports over one preparation per column (computeDriftReports).
 */
async function fullReport(reference: ColumnSet, current: ColumnSet, parallel: boolean): Promise<{ byDefault: DriftReport; psi: DriftReport }> {
  const options = [{ config: DEFAULT_CONFIG }, { config: PSI_CONFIG }];
  const [byDefault, psi] = parallel
    ? await computeDriftReportsParallel(reference, current, options, { threads })
    : computeDriftReports(reference, current, options);
  return { byDefault: byDefault!, psi: psi! };
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** With threads, the columns go into shared memory so the workers read them in place. */
async function readBoth(): Promise<{ reference: ColumnSet; current: ColumnSet }> {
  const shared = threads > 1;
  const [reference, current] = await Promise.all([readColumns(referenceFile!, { shared }), readColumns(currentFile!, { shared })]);
  return { reference, current };
}

/** One pass summing every value of every column of both windows: the memory-bandwidth floor. */
function sumEveryColumn(sets: ColumnSet[]): number {
  let total = 0;
  for (const set of sets) {
    for (const column of set.columns.values()) {
      let s = 0;
      if (column.kind === 'numeric') {
        const v = column.values;
        for (let i = 0; i < v.length; i++) s += v[i]!;
      } else {
        const c = column.codes;
        for (let i = 0; i < c.length; i++) s += c[i]!;
      }
      total += s;
    }
  }
  return total;
}

/** What bench/drift.ts compares with Evidently: each column's method, statistic and verdict. */
function verdicts(r: DriftReport) {
  return {
    dataset: { drifted: r.dataset.drifted, share: r.dataset.share, driftedColumns: r.dataset.driftedColumns },
    columns: r.columns.map((c) => ({ name: c.name, method: c.method, statistic: c.statistic, drifted: c.drifted, status: c.status })),
  };
}

/** Run with --expose-gc (bench/drift.ts does); a no-op otherwise. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** CPU seconds (user + system, every thread of the process) since `since`: wall time above it is time spent waiting for a core. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

const out: Record<string, unknown> = { mode };
if (mode === 'generate') {
  const t0 = performance.now();
  writeColumnSetParquet(referenceFile, generateWindow(count, 1, false));
  writeColumnSetParquet(currentFile, generateWindow(count, 2, true));
  out.seconds = seconds(t0);
} else if (mode === 'memory-serial' || mode === 'memory-parallel') {
  const { reference, current } = await readBoth();
  // The peak so far is the loading's: what the reports add comes on top.
  collectGarbage();
  out.loadedRssBytes = process.resourceUsage().maxRSS * 1024;
  out.loadedHeapBytes = process.memoryUsage().rss;
  const parallel = mode === 'memory-parallel';
  const warm = await fullReport(reference, current, parallel); // warm-up: JIT, worker start-up
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i++) {
    // Each run starts from a clean heap, as each Parquet run does (below).
    collectGarbage();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fullReport(reference, current, parallel);
    runs.push(seconds(t0));
    cpu.push(cpuSeconds(c0));
  }
  out.runs = runs;
  out.cpu = cpu;
  out.report = verdicts(warm.byDefault);
  out.psi = verdicts(warm.psi);
  out.rows = { reference: reference.rows, current: current.rows };
  if (!parallel) {
    const floor: number[] = [];
    let sink = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      sink += sumEveryColumn([reference, current]);
      floor.push(seconds(t0));
    }
    out.floor = floor;
    out.floorChecksum = sink;
  }
  await closeDriftWorkers();
} else if (mode === 'parquet') {
  const once = async () => {
    const { reference, current } = await readBoth();
    await fullReport(reference, current, threads > 1);
  };
  await once(); // warm-up, and the peak of one cold read + report
  out.warmRssBytes = process.resourceUsage().maxRSS * 1024;
  const read: number[] = [];
  const total: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i++) {
    // The previous run's columns are garbage: collect them so they do not add to this run's peak.
    collectGarbage();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { reference, current } = await readBoth();
    read.push(seconds(t0));
    await fullReport(reference, current, threads > 1);
    total.push(seconds(t0));
    cpu.push(cpuSeconds(c0));
  }
  out.read = read;
  out.runs = total;
  out.cpu = cpu;
  await closeDriftWorkers();
} else {
  throw new Error(`unknown mode ${mode}`);
}
out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify(out));
