import type { Command } from 'commander';
import { EstimatorName, Task } from '../../config/pipeline.js';
import { ConfigError } from '../../errors/index.js';
import { trainFile, type Inference } from '../../training/train-file.js';

interface TrainOptions {
  data: string;
  target: string;
  out: string;
  task: string;
  estimator?: string;
  param: string[];
  drop?: string;
  timeColumn?: string;
  seed: string;
  name?: string;
  json: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model from a CSV or Parquet file with the local trainer (no Temporal server needed): ONNX model + model card')
    .requiredOption('--data <file>', 'training data (.csv or .parquet)')
    .requiredOption('--target <column>', 'the column to predict')
    .requiredOption('--out <dir>', 'output directory (must not exist): model.onnx, metadata.json, prototype.json')
    .option('--task <task>', 'auto | binary | multiclass | regression', 'auto')
    .option('--estimator <name>', `one of ${EstimatorName.options.join(', ')} (default: logistic_regression, or ridge for regression)`)
    .option('--param <k=v>', 'estimator hyperparameter, repeatable (values parsed as JSON when they can be)', collect, [])
    .option('--drop <columns>', 'comma-separated columns that are not features')
    .option('--time-column <column>', 'order rows by this column and validate on the latest ones')
    .option('--seed <n>', 'random seed', '42')
    .option('--name <model>', 'model name recorded in the model card (default: from the file name)')
    .option('--json', 'print one JSON object instead of text', false)
    .action(async (opts: TrainOptions) => {
      const task = opts.task === 'auto' ? undefined : parseChoice(Task, opts.task, '--task');
      const estimator = opts.estimator === undefined ? undefined : parseChoice(EstimatorName, opts.estimator, '--estimator');
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new ConfigError(`--seed must be a non-negative integer, not ${JSON.stringify(opts.seed)}`);
      const result = await trainFile({
        data: opts.data,
        target: opts.target,
        out: opts.out,
        task,
        estimator,
        params: Object.fromEntries(opts.param.map(parseParam)),
        drop: opts.drop ? opts.drop.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
        timeColumn: opts.timeColumn,
        seed,
        name: opts.name,
        onInference: opts.json ? undefined : (inf) => console.log(describeInference(inf, task)),
        onProgress: opts.json ? undefined : (p) => console.error(`  ${p.stage.padEnd(8)} ${Math.round(p.fraction * 100)}%  ${p.message ?? ''}`),
      });
      const metrics = result.card.metrics;
      if (opts.json) {
        console.log(
          JSON.stringify({
            inference: result.inference,
            request: result.request,
            outDir: result.outDir,
            model: result.model,
            metadata: result.metadata,
            metrics,
          }),
        );
        return;
      }
      console.log(`validation metrics (${result.card.validation.rows} rows, ${result.card.validation.policy} split):`);
      for (const [k, v] of Object.entries(metrics)) console.log(`  ${k.padEnd(10)} ${v === null ? 'n/a' : v.toFixed(4)}`);
      console.log(`model:    ${result.model}`);
      console.log(`metadata: ${result.metadata}`);
    });
}

function describeInference(inf: Inference, taskOverride: string | undefined): string {
  const lines = [`inferred from ${inf.rows} rows:`];
  lines.push(`  task      ${taskOverride ?? inf.task}${taskOverride ? ' (given)' : `  (${inf.reasons.task ?? ''})`}`);
  for (const f of inf.features) lines.push(`  ${f.kind.padEnd(11)} ${f.name}${inf.reasons[f.name] ? `  (${inf.reasons[f.name]})` : ''}`);
  return lines.join('\n');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `k=v`; v is read as JSON when it is JSON (numbers, true, null, "quoted"), else taken as a string. */
export function parseParam(pair: string): [string, string | number | boolean | null] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--param expects key=value, got ${JSON.stringify(pair)}`);
  const key = pair.slice(0, eq).trim();
  const raw = pair.slice(eq + 1).trim();
  try {
    const v: unknown = JSON.parse(raw);
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return [key, v as string | number | boolean | null];
  } catch {
    // not JSON: a bare string such as gini or sqrt
  }
  return [key, raw];
}

function parseChoice<T extends string>(schema: { options: readonly T[] }, value: string, flag: string): T {
  if ((schema.options as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${flag} must be one of ${schema.options.join(', ')}, not ${JSON.stringify(value)}`);
}
