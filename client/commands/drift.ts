import { rename, unlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { DRIFT_DEFAULTS, DriftConfig, DriftMethod, NUMERIC_ONLY_METHODS } from '../../config/drift.js';
import { loadPipelineConfig } from '../../config/load.js';
import type { ColumnSet } from '../../dataset/columns.js';
import { readColumnNames, readColumns, type ColumnKind, type ColumnRequest } from '../../dataset/read-columns.js';
import { closeDriftWorkers, computeDriftReport, computeDriftReportParallel } from '../../drift/index.js';
import { DriftReport } from '../../drift/report.js';
import { DataError } from '../../errors/index.js';
import { renderDriftReportHtml } from '../../reports/index.js';
import { formatDriftTable } from '../drift-table.js';

/** Exit status of `driftloop drift --fail-on-drift` when the data set drifted. */
export const EXIT_DRIFT = 3;
/** Exit status of a bad flag (unknown option, bad value). */
export const EXIT_USAGE = 2;

const Format = z.enum(['table', 'json', 'html']);
type Format = z.infer<typeof Format>;

interface RawFlags {
  reference: string;
  current: string;
  config?: string;
  columns?: string;
  method?: string;
  threshold?: string;
  format: string;
  json: boolean;
  out?: string;
  failOnDrift: boolean;
  threads?: string;
}

interface Flags {
  reference: string;
  current: string;
  config?: string;
  columns?: string[];
  method?: DriftMethod;
  threshold?: number;
  format: Format;
  out?: string;
  failOnDrift: boolean;
  threads: number;
}

export function registerDrift(program: Command): void {
  const cmd = program
    .command('drift')
    .description('compare a current data window with a reference (CSV or Parquet files; no server needed) and report drift per column')
    .requiredOption('--reference <file>', 'the reference window (.csv or .parquet), e.g. the training data')
    .requiredOption('--current <file>', 'the current window (.csv or .parquet)')
    .option('--config <file>', "a pipeline config: its features (names and kinds) and its drift section are used")
    .option('--columns <names>', 'comma-separated columns to check (default: the config\'s features, or every column both files have)')
    .option('--method <name>', `one method for every column: ${DriftMethod.options.join(', ')} (default: Evidently's choice per column)`)
    .option('--threshold <x>', "one threshold for every column (default: the method's: 0.05 for p-values, 0.1 for distances)")
    .option('--format <format>', 'table, json (the DriftReport, docs/drift.md) or html', 'table')
    .option('--json', 'same as --format json', false)
    .option('--out <file>', 'write the report to this file (atomically) instead of stdout')
    .option('--fail-on-drift', `exit with status ${EXIT_DRIFT} when the data set drifted`, false)
    .option('--threads <n>', 'worker threads for the per-column statistics (default: available cores)')
    .addHelpText(
      'after',
      `\nExit status: 0 when the check ran (drift or not), ${EXIT_DRIFT} with --fail-on-drift when the data set drifted,\n` +
        `${EXIT_USAGE} for a bad flag, 1 for any other error (unreadable file, missing column…).`,
    );
  // Usage errors: one line, prefixed like every driftloop error, exit 2 (not commander's 1 + help).
  cmd
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`driftloop: ${text}`) })
    .exitOverride((err: CommanderError) => {
      process.exit(err.exitCode === 1 ? EXIT_USAGE : err.exitCode);
    });
  cmd.action(async (raw: RawFlags) => {
    const flags = parseFlags(raw, (message) => cmd.error(`error: ${message}`, { exitCode: EXIT_USAGE, code: 'driftloop.usage' }));
    await runDrift(flags, (message) => cmd.error(`error: ${message}`, { exitCode: EXIT_USAGE, code: 'driftloop.usage' }));
  });
}

type UsageError = (message: string) => never;

function parseFlags(raw: RawFlags, usage: UsageError): Flags {
  // `given` is the flag's text as typed, for the message; `value` what the schema checks.
  const flag = <T>(schema: z.ZodType<T>, given: string, value: unknown, name: string, expected: string): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) usage(`${name} must be ${expected}, not ${JSON.stringify(given)}`);
    return parsed.data!;
  };
  const number = (v: string | undefined) => (v === undefined || v.trim() === '' ? Number.NaN : Number(v));
  let columns: string[] | undefined;
  if (raw.columns !== undefined) {
    columns = raw.columns.split(',').map((c) => c.trim());
    if (columns.some((c) => c === '')) usage(`--columns must be comma-separated column names, not ${JSON.stringify(raw.columns)}`);
    const twice = columns.find((c, i) => columns!.indexOf(c) !== i);
    if (twice) usage(`--columns names "${twice}" twice`);
  }
  return {
    reference: raw.reference,
    current: raw.current,
    config: raw.config,
    columns,
    method: raw.method === undefined ? undefined : flag(DriftMethod, raw.method, raw.method, '--method', `one of ${DriftMethod.options.join(', ')}`),
    threshold:
      raw.threshold === undefined ? undefined : flag(z.number().positive().finite(), raw.threshold, number(raw.threshold), '--threshold', 'a positive number'),
    // --json is --format json; with another --format it is a contradiction, not a silent choice.
    format: raw.json
      ? raw.format === 'table' || raw.format === 'json'
        ? 'json'
        : usage(`--json contradicts --format ${raw.format}`)
      : flag(Format, raw.format, raw.format, '--format', 'table, json or html'),
    out: raw.out,
    failOnDrift: raw.failOnDrift,
    threads:
      raw.threads === undefined
        ? availableParallelism()
        : flag(z.number().int().min(1).max(256), raw.threads, number(raw.threads), '--threads', 'a whole number from 1 to 256'),
  };
}

async function runDrift(flags: Flags, usage: UsageError): Promise<void> {
  const pipeline = flags.config ? await loadPipelineConfig(flags.config) : undefined;
  const base = pipeline?.drift ?? DRIFT_DEFAULTS;
  // The flags override every column, per-feature rules included (must-watch stays).
  const features = Object.fromEntries(
    Object.entries(base.features).map(([name, rule]) => [
      name,
      { ...rule, method: flags.method ? undefined : rule.method, threshold: flags.threshold !== undefined ? undefined : rule.threshold },
    ]),
  );
  const config = DriftConfig.parse({
    ...base,
    features,
    method: flags.method ?? base.method,
    threshold: flags.threshold ?? base.threshold,
  });

  const kinds = new Map<string, ColumnKind>(pipeline?.features.map((f) => [f.name, f.kind]) ?? []);
  const names = flags.columns ?? (pipeline ? pipeline.features.map((f) => f.name) : await sharedColumns(flags.reference, flags.current));
  const requests: ColumnRequest[] = names.map((name) => ({ name, kind: kinds.get(name) }));
  // With worker threads, columns in shared memory are read in place rather than copied to each thread.
  const shared = flags.threads > 1 && names.length > 1;
  const { reference, current } = await readWindows(flags.reference, flags.current, requests, shared);

  if (config.method && NUMERIC_ONLY_METHODS.has(config.method)) {
    const categorical = names.find((n) => reference.columns.get(n)?.kind === 'categorical');
    if (categorical) usage(`--method ${config.method} needs numeric columns, but "${categorical}" is categorical; use chisquare, ztest, jensenshannon or psi`);
  }

  const options = { config, columns: names, distributions: flags.format === 'html' };
  let report: DriftReport;
  if (shared) {
    try {
      report = await computeDriftReportParallel(reference, current, options, { threads: flags.threads });
    } finally {
      await closeDriftWorkers();
    }
  } else {
    report = computeDriftReport(reference, current, options);
  }
  report = DriftReport.parse(report);

  await emit(render(report, flags), flags.out);
  if (flags.failOnDrift && report.dataset.drifted) process.exitCode = EXIT_DRIFT;
}

/** Every column both files have, in the reference's order. */
async function sharedColumns(referenceFile: string, currentFile: string): Promise<string[]> {
  const [ref, cur] = firstRejection(await Promise.allSettled([readColumnNames(referenceFile), readColumnNames(currentFile)]));
  const inCurrent = new Set(cur);
  const shared = ref.filter((n) => inCurrent.has(n));
  if (!shared.length) {
    throw new DataError(`${referenceFile} and ${currentFile} have no column in common (reference: ${ref.join(', ')}; current: ${cur.join(', ')})`);
  }
  return shared;
}

/**
 * Reads both windows. A column whose kind was inferred and came out numeric
 * in one file but categorical in the other (numbers in one, text in the
 * other) is compared as categorical: its numeric side is read again as text.
 */
async function readWindows(
  referenceFile: string,
  currentFile: string,
  requests: ColumnRequest[],
  shared: boolean,
): Promise<{ reference: ColumnSet; current: ColumnSet }> {
  // allSettled, not all: when both files are wrong the user is told about the
  // reference first, every time, instead of whichever read happened to fail first.
  const [reference, current] = firstRejection(
    await Promise.allSettled([
      readColumns(referenceFile, { columns: requests, shared }),
      readColumns(currentFile, { columns: requests, shared }),
    ]),
  );
  const redo = { reference: [] as ColumnRequest[], current: [] as ColumnRequest[] };
  for (const { name, kind } of requests) {
    if (kind) continue;
    const ref = reference.columns.get(name)!;
    const cur = current.columns.get(name)!;
    if (ref.kind === cur.kind) continue;
    const numericSide = ref.kind === 'numeric' ? 'reference' : 'current';
    redo[numericSide].push({ name, kind: 'categorical' });
    const numeric = (numericSide === 'reference' ? ref : cur) as { values: Float64Array };
    if (numeric.values.some((v) => !Number.isNaN(v))) {
      process.stderr.write(`driftloop: note: column "${name}" holds numbers in the ${numericSide} file only; compared as categorical\n`);
    }
  }
  for (const side of ['reference', 'current'] as const) {
    if (!redo[side].length) continue;
    const again = await readColumns(side === 'reference' ? referenceFile : currentFile, { columns: redo[side], shared });
    const target = side === 'reference' ? reference : current;
    for (const [name, column] of again.columns) target.columns.set(name, column);
  }
  return { reference, current };
}

/** The values of both reads, or the first read's error in argument order. */
function firstRejection<A, B>(results: [PromiseSettledResult<A>, PromiseSettledResult<B>]): [A, B] {
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return [(results[0] as PromiseFulfilledResult<A>).value, (results[1] as PromiseFulfilledResult<B>).value];
}

function render(report: DriftReport, flags: Flags): string {
  switch (flags.format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'html':
      return renderDriftReportHtml(report, { reference: flags.reference, current: flags.current, generatedAt: new Date().toISOString() });
    case 'table':
      return formatDriftTable(report) + '\n';
  }
}

/** To stdout, or to a file through a temporary name so a reader never sees half a report. */
async function emit(text: string, out: string | undefined): Promise<void> {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, out);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new DataError(`cannot write ${out}: ${(err as Error).message}`, { file: out });
  }
}
