import pg from 'pg';
import type { Feature, PipelineConfig, WindowSource } from '../config/pipeline.js';
import { ConfigError, DataError } from '../errors/index.js';
import type { PredictionLog } from '../registry/types.js';
import type { RawTable } from './csv.js';
import { readTable } from './read-table.js';
import { cellText } from './cell-text.js';

/**
 * The current window of the monitor and drift stages, from wherever the
 * pipeline says it lives, as one RawTable so that the same parsing and
 * missing-value rules (dataset/table.ts) apply to every source.
 */
export interface WindowContext {
  model: string;
  features: readonly Feature[];
  /** The label column's name in the returned table (prediction-log windows put feedback labels there). */
  target: string;
  /** The fallback file when the pipeline names no window (`data.current`). */
  defaultFile: string;
  predictionLog: PredictionLog;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

export interface WindowTable extends RawTable {
  /** For reports and errors: where the rows came from. */
  description: string;
}

/** The pipeline's current window (`monitor.window`, else the `data.current` file). */
export function readPipelineWindow(
  pipeline: Pick<PipelineConfig, 'model' | 'features' | 'target' | 'data' | 'monitor'>,
  predictionLog: PredictionLog,
  opts: { env?: NodeJS.ProcessEnv; now?: Date } = {},
): Promise<WindowTable> {
  return readWindowTable(pipeline.monitor.window, {
    model: pipeline.model,
    features: pipeline.features,
    target: pipeline.target,
    defaultFile: pipeline.data.current,
    predictionLog,
    ...opts,
  });
}

export async function readWindowTable(source: WindowSource | undefined, ctx: WindowContext): Promise<WindowTable> {
  const src = source ?? { kind: 'file' as const, path: ctx.defaultFile };
  switch (src.kind) {
    case 'file':
      return { ...(await readTable(src.path)), description: src.path };
    case 'prediction-log':
      return readPredictionLogWindow(src.hours, ctx);
    case 'postgres':
      return readPostgresWindow(src.query, src.urlEnv, ctx.env ?? process.env);
  }
}

/**
 * Features as they were served, with the feedback label where one arrived
 * (blank otherwise: unlabelled rows still count for drift).
 */
async function readPredictionLogWindow(hours: number, ctx: WindowContext): Promise<WindowTable> {
  const until = ctx.now ?? new Date();
  const since = new Date(until.getTime() - hours * 3_600_000);
  const logged = await ctx.predictionLog.readPredictions(ctx.model, { since: since.toISOString(), until: until.toISOString() });
  const names = ctx.features.map((f) => f.name);
  const rows = logged.map((p) => [...names.map((n) => cellText(p.features[n])), cellText(p.label)]);
  return {
    file: `prediction log of ${ctx.model}`,
    description: `prediction log of ${ctx.model}, ${since.toISOString()} to ${until.toISOString()}`,
    header: [...names, ctx.target],
    rows,
  };
}

async function readPostgresWindow(query: string, urlEnv: string, env: NodeJS.ProcessEnv): Promise<WindowTable> {
  const url = env[urlEnv];
  if (!url) {
    throw new ConfigError(`monitor.window: the PostgreSQL window needs a connection URL in the environment variable ${urlEnv}, which is not set`, {
      path: 'monitor.window.urlEnv',
    });
  }
  const client = new pg.Client({ connectionString: url, statement_timeout: 600_000 });
  try {
    await client.connect();
  } catch (err) {
    // Plain Error: the database may be back on the next attempt (activities retry these).
    await client.end().catch(() => undefined);
    throw new Error(`cannot connect to the monitor.window database (${urlEnv}): ${(err as Error).message}`);
  }
  try {
    // rowMode 'array' keeps duplicate column names visible instead of silently merging them.
    const result = await client.query({ text: query, rowMode: 'array' });
    const header = result.fields.map((f) => f.name);
    const dup = header.find((h, i) => header.indexOf(h) !== i);
    if (dup) throw new DataError(`monitor.window query returns the column "${dup}" twice`, { column: dup });
    const rows = (result.rows as unknown[][]).map((r) => r.map(cellText));
    return { file: 'monitor.window query', description: `PostgreSQL query (${urlEnv})`, header, rows };
  } catch (err) {
    if (err instanceof DataError) throw err;
    // Never echo the URL: it carries the password.
    throw new DataError(`monitor.window query failed: ${(err as Error).message}`, {});
  } finally {
    await client.end().catch(() => undefined);
  }
}
