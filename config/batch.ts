import { z } from 'zod';
import { ModelName } from './model-name.js';

/**
 * A batch-scoring config (`driftloop batch CONFIG`, `driftloop schedule create
 * NAME --batch CONFIG`): which model version scores which rows, where the
 * scores go, and in what chunks. Its own file type, separate from the
 * pipeline config: one model may have several batch jobs.
 *
 * This module is imported by the workflow bundle (the workflow validates its
 * input with it), so it must stay free of Node imports: files are read in
 * config/load-batch.ts.
 */

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');

/** A column name quoted into SQL: kept to identifiers so that it never needs escaping beyond double quotes. */
const SqlIdentifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a column name (letters, digits, _)');

export const BatchInput = z.discriminatedUnion('kind', [
  /** One CSV or Parquet file. */
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1).describe('A CSV or Parquet file.') }),
  /**
   * A folder of partitioned files, scored in file-name order; `pattern`
   * matches file names in the folder (`*` and `?`; no sub-folders).
   */
  z.strictObject({
    kind: z.literal('folder'),
    path: z.string().min(1).describe('The folder; its files are scored in file-name order.'),
    pattern: z
      .string()
      .regex(/^[^/\\]+$/, 'is a file-name pattern (no "/")')
      .default('*.parquet')
      .describe('File names to score in the folder (`*` and `?`; no sub-folders).'),
  }),
  /**
   * A PostgreSQL query. Chunks are read with LIMIT/OFFSET over the query
   * ordered by `orderBy`, which must be unique per row so that every chunk
   * (and every retry of a chunk) sees the same rows. The connection URL comes
   * from the environment variable named by `urlEnv`, never from the file.
   */
  z.strictObject({
    kind: z.literal('postgres'),
    query: z.string().min(1).describe('SQL returning the rows to score with the feature columns.'),
    orderBy: SqlIdentifier.describe('A column unique per row: chunks are LIMIT/OFFSET ranges of the query ordered by it, so every retry sees the same rows.'),
    urlEnv: EnvName.default('DRIFTLOOP_DATABASE_URL').describe('Environment variable holding the PostgreSQL URL (never the URL itself).'),
  }),
]);
export type BatchInput = z.infer<typeof BatchInput>;

export const BatchConfig = z
  .strictObject({
    name: ModelName.optional().describe("The job's name: its workflow id is `batch-<name>` (default: the model's name)."),
    model: ModelName.describe('The registered model that scores the rows.'),
    alias: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be 1-32 of a-z, 0-9, "_", "-", starting with a letter').optional().describe('The alias whose version scores the rows (default `champion`); or give `version`.'),
    version: z.number().int().positive().optional().describe('A fixed version instead of `alias`.'),
    input: BatchInput.describe('The rows to score: a file, a folder of partitions, or a PostgreSQL query.'),
    output: z.strictObject({
      path: z.string().min(1).describe('A folder: each run writes `<path>/<run>/part-NNNNN.<format>`.'),
      format: z.enum(['csv', 'parquet']).default('csv').describe('Format of the output files.'),
    }).describe('Where the scored rows go.'),
    chunkRows: z.number().int().min(1).max(10_000_000).default(50_000).describe('Rows per chunk: one activity (one output file) per chunk.'),
    parallelism: z.number().int().min(1).max(32).default(2).describe('Chunks scored at the same time.'),
  })
  .refine((c) => c.alias === undefined || c.version === undefined, {
    message: 'give alias or version, not both',
    path: ['version'],
  });
export type BatchConfig = z.infer<typeof BatchConfig>;
export type BatchConfigRaw = z.input<typeof BatchConfig>;

/** The job name: `name`, else the model's. */
export function batchName(cfg: BatchConfig): string {
  return cfg.name ?? cfg.model;
}

/** The one workflow id of a job's manual runs: two at once are refused. */
export function batchWorkflowId(cfg: BatchConfig): string {
  return `batch-${batchName(cfg)}`;
}
