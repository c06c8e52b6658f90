import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { stringify } from 'csv-stringify';
import { DataError } from '../errors/index.js';
import type { OnnxModel } from '../inference/onnx-model.js';
import { chunkToFeatures, type BadRow } from './rows.js';
import { openTableSink, type ColumnType } from './sinks.js';
import { openTableSource, type Cell } from './sources.js';

export interface ScoreFileOptions {
  model: OnnxModel;
  /** Where the model came from, written into the output's metadata. */
  provenance: { model: string; version: number | null; sha256: string };
  input: string;
  output: string;
  chunkRows?: number;
  /** `abort` (default): the first bad row stops the run and nothing is written; `skip`: bad rows go to `rejects`. */
  badRows?: 'abort' | 'skip';
  rejects?: string;
  onProgress?: (p: { rows: number; totalRows: number | null; seconds: number }) => void;
}

export interface ScoreFileResult {
  rows: number;
  scored: number;
  rejected: number;
  seconds: number;
  output: string;
  rejects: string | null;
}

/**
 * Batch scoring: streams the input in chunks through the model and writes the
 * input's columns plus prediction columns, so memory stays bounded by one
 * chunk whatever the file's size.
 */
export async function scoreFile(opts: ScoreFileOptions): Promise<ScoreFileResult> {
  const chunkRows = opts.chunkRows ?? 50_000;
  const policy = opts.badRows ?? 'abort';
  if (policy === 'skip' && !opts.rejects) throw new DataError('--bad-rows skip needs a rejects file (--rejects FILE)');
  const source = await openTableSource(opts.input);
  const features = opts.model.features;
  const missing = features.filter((f) => !source.header.includes(f.name));
  if (missing.length) {
    throw new DataError(
      `${opts.input} lacks the model's feature column(s) ${missing.map((f) => `"${f.name}"`).join(', ')}; columns present: ${source.header.join(', ')}`,
      { file: opts.input, columns: missing.map((f) => f.name) },
    );
  }
  const card = opts.model.card;
  const classes = (card.classes ?? []).map(String);
  const predictionColumns = card.task === 'regression' ? ['prediction'] : ['prediction', ...classes.map((c) => `probability_${c}`)];
  const clash = predictionColumns.find((c) => source.header.includes(c));
  if (clash) throw new DataError(`${opts.input} already has a column "${clash}", which the scores would overwrite`, { column: clash });

  const started = performance.now();
  let sink: Awaited<ReturnType<typeof openTableSink>> | undefined;
  let rejects: ReturnType<typeof openRejects> | undefined;
  let rows = 0;
  let scored = 0;
  let rejected = 0;
  try {
    for await (const chunk of source.chunks(chunkRows)) {
      const { table, kept, bad } = chunkToFeatures(source.header, chunk.rows, chunk.firstRow, features);
      if (bad.length) {
        if (policy === 'abort') throw badRowError(opts.input, bad);
        rejects ??= openRejects(opts.rejects!, source.header);
        await rejects.write(bad, chunk.rows, chunk.firstRow);
        rejected += bad.length;
      }
      const out: Cell[][] = [];
      if (table.rows > 0) {
        const predictions = await opts.model.predictProbabilities(table);
        for (let k = 0; k < kept.length; k++) {
          const row = chunk.rows[kept[k]!]!;
          out.push([...row, ...predictions.row(k)]);
        }
      }
      sink ??= await openTableSink({
        file: opts.output,
        header: [...source.header, ...predictionColumns],
        types: [
          ...source.header.map((_, i) => (source.format === 'parquet' ? columnType(chunk.rows, i) : 'string')),
          ...predictionColumns.map((c): ColumnType => (c === 'prediction' && card.task !== 'regression' ? 'string' : 'double')),
        ],
        metadata: {
          'driftloop.model': opts.provenance.model,
          'driftloop.version': opts.provenance.version === null ? '' : String(opts.provenance.version),
          'driftloop.sha256': opts.provenance.sha256,
          'driftloop.scoredAt': new Date().toISOString(),
        },
      });
      await sink.write(out);
      rows += chunk.rows.length;
      scored += table.rows;
      opts.onProgress?.({ rows, totalRows: source.totalRows, seconds: (performance.now() - started) / 1000 });
    }
    if (!sink) throw new DataError(`${opts.input} has no data rows to score`, { file: opts.input });
    await sink.commit();
    await rejects?.commit();
  } catch (err) {
    await sink?.abort();
    await rejects?.abort();
    throw err;
  }
  return { rows, scored, rejected, seconds: (performance.now() - started) / 1000, output: opts.output, rejects: rejects ? opts.rejects! : null };
}

/** A Parquet input column keeps its type in the output when it is numeric; anything else is written as text. */
function columnType(rows: Cell[][], i: number): ColumnType {
  let kind: 'number' | 'bigint' | undefined;
  for (const r of rows) {
    const v = r[i];
    if (v === null || v === undefined) continue;
    const t = typeof v;
    if (t !== 'number' && t !== 'bigint') return 'string';
    if (kind && kind !== t) return 'string';
    kind = t as 'number' | 'bigint';
  }
  return kind === 'bigint' ? 'int64' : kind === 'number' ? 'double' : 'string';
}

function badRowError(file: string, bad: BadRow[]): DataError {
  const first = bad.slice(0, 5).map((b) => `row ${b.row}: ${b.reason}`).join('; ');
  return new DataError(`${file}: ${bad.length} row(s) cannot be scored (${first}); use --bad-rows skip --rejects FILE to set them aside`, {
    file,
    rows: bad.slice(0, 20).map((b) => b.row),
  });
}

/** A CSV of the rejected rows: their row number, the reason, and the row as read. */
function openRejects(file: string, header: string[]) {
  const tmp = `${file}.tmp-${process.pid}`;
  const out = stringify({ header: true, columns: ['row', 'reason', ...header] });
  const stream = createWriteStream(tmp);
  out.pipe(stream);
  const finished = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
  });
  return {
    async write(bad: BadRow[], rows: Cell[][], firstRow: number) {
      for (const b of bad) {
        const row = rows[b.row - firstRow] ?? [];
        out.write([String(b.row), b.reason, ...row.map((c) => (c === null || c === undefined ? '' : String(c)))]);
      }
    },
    async commit() {
      out.end();
      await finished;
      await rename(tmp, file);
    },
    async abort() {
      out.destroy();
      await rm(tmp, { force: true });
    },
  };
}
