import type { Task } from '../config/pipeline.js';
import { isMissing } from '../dataset/table.js';
import { ConfigError, DataError } from '../errors/index.js';
import type { MetricValues } from '../metrics/metric-value.js';
import { openTableSource, type Cell } from '../scoring/sources.js';
import { ClassifierObservations, RegressorObservations, type ClassifierRow } from './observations.js';

/** The prefix `driftloop score` gives its probability columns (probability_<class>). */
export const PROBABILITY_PREFIX = 'probability_';

export interface FileMetricsOptions {
  /** The column with the true label / value; a missing cell is an unlabelled row. */
  target: string;
  /** The column with the prediction (default `prediction`, as `driftloop score` writes it). */
  predictionColumn?: string;
  /**
   * Class probability columns: names `probability_<class>` (the class is the
   * rest of the name), or an explicit {class: column}. Default: every column
   * named `probability_…`. Their order is the class order (`driftloop score`
   * writes the model card's); with two classes the second is the positive one.
   */
  probabilityColumns?: readonly string[] | Readonly<Record<string, string>>;
  /** Default: a classifier when there are probability columns; without them the task must be given. */
  task?: Task;
  /** The classes, in order (default: from the probability columns, else the sorted distinct labels and predictions). */
  classes?: readonly (string | number | boolean)[];
  /** Rows read at a time (default 50,000). */
  chunkRows?: number;
}

export interface FileMetrics {
  file: string;
  task: Task;
  /** Data rows in the file. */
  rows: number;
  /** Rows with a target value (what the realised metrics are computed on). */
  labelledRows: number;
  /** The classes the metrics used (null for regression). */
  classes: string[] | null;
  realised: MetricValues;
  /** CBPE estimate over every row (classifiers with probability columns), else null. */
  estimated: MetricValues | null;
}

/**
 * The monitoring metrics of a scored file (e.g. `driftloop score` output with
 * a label column added): realised metrics on the labelled rows and, for a
 * classifier with probability columns, the CBPE estimate on all rows. CSV or
 * Parquet, read in chunks.
 */
export async function metricsFromFile(file: string, opts: FileMetricsOptions): Promise<FileMetrics> {
  const source = await openTableSource(file);
  const col = (name: string, role: string) => {
    const i = source.header.indexOf(name);
    if (i < 0) throw new DataError(`${file} has no ${role} column "${name}"; columns present: ${source.header.join(', ')}`, { file, column: name });
    return i;
  };
  const target = col(opts.target, 'target');
  const predictionName = opts.predictionColumn ?? 'prediction';
  const prediction = col(predictionName, 'prediction');
  const probability = probabilityColumns(source.header, opts.probabilityColumns, file);
  const probabilityIndex = probability.map(([, c]) => col(c, 'probability'));
  const task = opts.task ?? (probability.length >= 2 ? (probability.length === 2 ? 'binary' : 'multiclass') : undefined);
  if (!task) {
    throw new ConfigError(`cannot tell whether ${file} holds a classifier's or a regressor's predictions: give the task (or the probability columns)`, {
      field: 'task',
    });
  }
  const chunkRows = opts.chunkRows ?? 50_000;
  const where = (row: number, column: string) => `${file} data row ${row}, column "${column}"`;

  if (task === 'regression') {
    const obs = new RegressorObservations();
    for await (const chunk of source.chunks(chunkRows)) {
      chunk.rows.forEach((cells, r) => {
        const row = chunk.firstRow + r;
        const yhat = numberCell(cells[prediction], where(row, predictionName));
        if (yhat === null) throw new DataError(`${where(row, predictionName)} is missing: every row needs a prediction`, { file, row, column: predictionName });
        obs.add(yhat, numberCell(cells[target], where(row, opts.target)));
      });
    }
    return { file, task, rows: obs.rows, labelledRows: obs.labelledRows, classes: null, realised: obs.realised(), estimated: null };
  }

  // A classifier: labels and predictions compared as text. Rows stream into the
  // observations when the classes are known up front; only when they must be
  // read off the data are the rows held until the end.
  const known = opts.classes || probability.length ? checkedClasses(task, classesFor(opts, probability, []), file) : null;
  const noProbabilities = () => `${file} has no probability columns`;
  let obs = known ? new ClassifierObservations(known, noProbabilities) : null;
  const rows: ClassifierRow[] = [];
  for await (const chunk of source.chunks(chunkRows)) {
    chunk.rows.forEach((cells, r) => {
      const row = chunk.firstRow + r;
      const predicted = textCell(cells[prediction]);
      if (predicted === null) throw new DataError(`${where(row, predictionName)} is missing: every row needs a prediction`, { file, row, column: predictionName });
      const probabilities = probabilityIndex.length ? new Float64Array(probabilityIndex.length) : null;
      probabilityIndex.forEach((i, j) => {
        const name = probability[j]![1];
        const p = numberCell(cells[i], where(row, name));
        if (p === null || p < 0 || p > 1) {
          throw new DataError(`${where(row, name)} must be a probability in [0, 1], not ${JSON.stringify(cells[i] ?? null)}`, { file, row, column: name });
        }
        probabilities![j] = p;
      });
      const obsRow: ClassifierRow = { predicted, truth: textCell(cells[target]), probabilities };
      if (obs) obs.add(obsRow);
      else rows.push(obsRow);
    });
  }
  if (!obs) {
    obs = new ClassifierObservations(checkedClasses(task, classesFor(opts, probability, rows), file), noProbabilities);
    for (const r of rows) obs.add(r);
  }
  return {
    file,
    task,
    rows: obs.rows,
    labelledRows: obs.labelledRows,
    classes: [...obs.classes],
    realised: obs.realised(),
    estimated: obs.estimated(),
  };
}

function checkedClasses(task: Task, classes: string[], file: string): string[] {
  if (new Set(classes).size !== classes.length) throw new ConfigError(`${file}: the classes are not unique (${classes.join(', ')})`, { field: 'classes' });
  if (task === 'binary' ? classes.length !== 2 : classes.length < 2) {
    throw new ConfigError(`${file}: a ${task} classifier cannot have ${classes.length} class(es) (${classes.join(', ')})`, { field: 'classes' });
  }
  return classes;
}

/** [class, column] pairs. */
function probabilityColumns(header: readonly string[], given: FileMetricsOptions['probabilityColumns'], file: string): [string, string][] {
  if (given === undefined) return header.filter((h) => h.startsWith(PROBABILITY_PREFIX)).map((h) => [h.slice(PROBABILITY_PREFIX.length), h]);
  if (!Array.isArray(given)) return Object.entries(given as Record<string, string>);
  return (given as readonly string[]).map((c) => {
    if (!c.startsWith(PROBABILITY_PREFIX) || c.length === PROBABILITY_PREFIX.length) {
      throw new ConfigError(`${file}: probability column "${c}" does not say its class (name it ${PROBABILITY_PREFIX}<class>, or map class to column)`, {
        field: 'probabilityColumns',
      });
    }
    return [c.slice(PROBABILITY_PREFIX.length), c];
  });
}

function classesFor(opts: FileMetricsOptions, probability: [string, string][], rows: readonly ClassifierRow[]): string[] {
  if (opts.classes) {
    const classes = opts.classes.map(String);
    if (probability.length && probability.map(([c]) => c).join('\u0000') !== classes.join('\u0000')) {
      throw new ConfigError(`the probability columns' classes (${probability.map(([c]) => c).join(', ')}) are not the classes given (${classes.join(', ')})`, {
        field: 'classes',
      });
    }
    return classes;
  }
  if (probability.length) return probability.map(([c]) => c);
  // scikit-learn's order: numbers numerically when every value is one, else text order.
  const seen = new Set<string>();
  for (const r of rows) {
    seen.add(r.predicted);
    if (r.truth !== null) seen.add(r.truth);
  }
  const values = [...seen];
  const numeric = values.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return values.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A cell as a class value; null when missing (blank text, null). */
function textCell(cell: Cell): string | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string') return isMissing(cell) ? null : cell;
  if (cell instanceof Date) return cell.toISOString();
  if (typeof cell === 'number' && Number.isNaN(cell)) return null;
  return String(cell);
}

/** A cell as a number; null when missing (blank, "nan", null, NaN); a DataError naming the cell when it is not a number. */
function numberCell(cell: Cell, where: string): number | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') return Number.isNaN(cell) ? null : finite(cell, where);
  if (typeof cell === 'bigint') return finite(Number(cell), where);
  if (typeof cell === 'string') {
    const t = cell.trim();
    if (t === '' || t.toLowerCase() === 'nan') return null;
    return finite(Number(t), where, cell);
  }
  throw new DataError(`${where} is ${JSON.stringify(String(cell))}, not a number`);
}

function finite(x: number, where: string, text?: string): number {
  if (!Number.isFinite(x)) throw new DataError(`${where} is ${JSON.stringify(text ?? String(x))}, not a finite number`);
  return x;
}
