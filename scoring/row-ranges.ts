import { parquetReadObjects } from 'hyparquet';
import { openParquetFile } from './parquet-file.js';
import pg from 'pg';
import { ConfigError, DataError } from '../errors/index.js';
import { openTableSource, type Cell } from './sources.js';

/**
 * Row ranges of a batch input: `[start, end)` by 0-based row offset, so that a
 * chunk of rows can be read (and a retried chunk resumed) without the rows
 * before it. Files are CSV or Parquet; a PostgreSQL query is read with
 * LIMIT/OFFSET over a unique ordering column.
 */
export type RangeSource =
  | { kind: 'file'; path: string }
  | { kind: 'postgres'; query: string; orderBy: string; urlEnv: string };

export interface RangeSegment {
  /** 0-based offset of rows[0] in the source. */
  offset: number;
  rows: Cell[][];
}

export function describeSource(src: RangeSource): string {
  return src.kind === 'file' ? src.path : `PostgreSQL query (${src.urlEnv})`;
}

/** The source's column names and row count. */
export async function inspectSource(src: RangeSource, env: NodeJS.ProcessEnv = process.env): Promise<{ header: string[]; rows: number }> {
  if (src.kind === 'postgres') {
    return withPostgres(src, env, async (client) => {
      const head = await client.query({ text: `select * from (${src.query}) as driftloop_batch limit 0`, rowMode: 'array' });
      const header = head.fields.map((f) => f.name);
      if (!header.includes(src.orderBy)) {
        throw new ConfigError(`input.orderBy: the query has no column "${src.orderBy}"; columns: ${header.join(', ')}`, { path: 'input.orderBy' });
      }
      const count = await client.query<{ n: string }>(`select count(*)::text as n from (${src.query}) as driftloop_batch`);
      return { header, rows: Number(count.rows[0]!.n) };
    });
  }
  const source = await openTableSource(src.path);
  if (source.totalRows !== null) return { header: source.header, rows: source.totalRows };
  // CSV does not know its length: one streaming pass counts it (memory bounded by one block).
  let rows = 0;
  for await (const chunk of source.chunks(10_000)) rows += chunk.rows.length;
  return { header: source.header, rows };
}

/**
 * Reads rows `[start, end)` in segments of at most `segmentRows`. For a CSV the
 * rows before `start` are parsed and dropped (the format has no index); a
 * Parquet file reads only the row groups that cover the range.
 */
export async function* readRange(
  src: RangeSource,
  start: number,
  end: number,
  segmentRows: number,
  env: NodeJS.ProcessEnv = process.env,
): AsyncIterable<RangeSegment> {
  if (start >= end) return;
  if (src.kind === 'postgres') {
    yield* readPostgresRange(src, start, end, segmentRows, env);
    return;
  }
  if (/\.(parquet|pq)$/i.test(src.path)) {
    yield* readParquetRange(src.path, start, end, segmentRows);
    return;
  }
  const source = await openTableSource(src.path);
  let offset = 0;
  let pending: Cell[][] = [];
  let pendingAt = start;
  for await (const chunk of source.chunks(Math.max(segmentRows, 1_000))) {
    for (const row of chunk.rows) {
      if (offset >= start && offset < end) {
        pending.push(row);
        if (pending.length === segmentRows) {
          yield { offset: pendingAt, rows: pending };
          pendingAt += pending.length;
          pending = [];
        }
      }
      offset++;
    }
    if (offset >= end) break;
  }
  if (pending.length) yield { offset: pendingAt, rows: pending };
  if (offset < end) throw new DataError(`${src.path} has ${offset} rows, fewer than when the batch was planned (${end})`, { file: src.path });
}

async function* readParquetRange(file: string, start: number, end: number, segmentRows: number): AsyncIterable<RangeSegment> {
  const { buffer, metadata, header } = await openParquetFile(file);
  if (Number(metadata.num_rows) < end) throw new DataError(`${file} has ${metadata.num_rows} rows, fewer than when the batch was planned (${end})`, { file });
  for (let at = start; at < end; at += segmentRows) {
    const to = Math.min(end, at + segmentRows);
    const objects = (await parquetReadObjects({ file: buffer, metadata, rowStart: at, rowEnd: to })) as Record<string, Cell>[];
    yield { offset: at, rows: objects.map((o) => header.map((h) => o[h])) };
  }
}

async function* readPostgresRange(
  src: Extract<RangeSource, { kind: 'postgres' }>,
  start: number,
  end: number,
  segmentRows: number,
  env: NodeJS.ProcessEnv,
): AsyncIterable<RangeSegment> {
  const client = await connect(src, env);
  try {
    for (let at = start; at < end; at += segmentRows) {
      const limit = Math.min(end, at + segmentRows) - at;
      // The unique ordering makes LIMIT/OFFSET stable: a retried chunk reads exactly the rows it read before.
      const result = await query(client, {
        text: `select * from (${src.query}) as driftloop_batch order by "${src.orderBy}" limit $1 offset $2`,
        values: [limit, at],
        rowMode: 'array',
      });
      yield { offset: at, rows: result.rows as Cell[][] };
      if (result.rows.length < limit) {
        throw new DataError(`the input query returned fewer rows than when the batch was planned (offset ${at + result.rows.length}, expected ${end})`, {});
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withPostgres<T>(src: Extract<RangeSource, { kind: 'postgres' }>, env: NodeJS.ProcessEnv, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(src, env);
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DataError) throw err;
    // Never echo the URL: it carries the password.
    throw new DataError(`input.query failed: ${(err as Error).message}`, { path: 'input.query' });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function query(client: pg.Client, q: pg.QueryArrayConfig): Promise<pg.QueryArrayResult> {
  try {
    return await client.query(q);
  } catch (err) {
    throw new DataError(`input.query failed: ${(err as Error).message}`, { path: 'input.query' });
  }
}

async function connect(src: Extract<RangeSource, { kind: 'postgres' }>, env: NodeJS.ProcessEnv): Promise<pg.Client> {
  const url = env[src.urlEnv];
  if (!url) {
    throw new ConfigError(`input.urlEnv: the PostgreSQL input needs a connection URL in the environment variable ${src.urlEnv}, which is not set`, {
      path: 'input.urlEnv',
    });
  }
  const client = new pg.Client({ connectionString: url, statement_timeout: 600_000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    // Plain Error: the database may be back on the next attempt (activities retry these).
    throw new Error(`cannot connect to the batch input database (${src.urlEnv}): ${(err as Error).message}`);
  }
  return client;
}
