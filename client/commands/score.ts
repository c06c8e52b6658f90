import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../errors/index.js';
import { OnnxModel } from '../../inference/onnx-model.js';
import { sha256 } from '../../registry/blob-store.js';
import { formatModelRef, parseModelRef, resolveModelRef } from '../../registry/model-ref.js';
import { openRegistry } from '../../registry/open.js';
import { scoreFile } from '../../scoring/score-file.js';
import { ModelCard } from '../../training/model-card.js';

interface ScoreOptions {
  model?: string;
  onnx?: string;
  chunkRows: string;
  badRows: string;
  rejects?: string;
  threads: string;
  json: boolean;
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('batch scoring: stream a CSV or Parquet file through a model into OUTPUT (input columns + prediction columns)')
    .argument('<input>', 'rows to score (.csv or .parquet)')
    .argument('<output>', 'where to write them (.csv or .parquet); never left half-written')
    .option('--model <ref>', 'a registered model: NAME (its champion), NAME@alias or NAME:version')
    .option('--onnx <file>', 'an ONNX file with the trainer\'s metadata.json beside it (no registry needed)')
    .option('--chunk-rows <n>', 'rows per chunk (bounds memory)', '50000')
    .option('--bad-rows <policy>', 'abort (default): stop at the first bad row; skip: write bad rows to --rejects', 'abort')
    .option('--rejects <file>', 'CSV for rows that could not be scored (with --bad-rows skip)')
    .option('--threads <n>', 'onnxruntime intra-op threads', '2')
    .option('--json', 'print a JSON summary', false)
    .action(async (input: string, output: string, opts: ScoreOptions) => {
      if (!!opts.model === !!opts.onnx) throw new ConfigError('give exactly one of --model or --onnx');
      if (opts.badRows !== 'abort' && opts.badRows !== 'skip') throw new ConfigError(`--bad-rows must be abort or skip, not ${JSON.stringify(opts.badRows)}`);
      const chunkRows = positiveInt(opts.chunkRows, '--chunk-rows');
      const threads = positiveInt(opts.threads, '--threads');
      const { model, provenance, close } = await loadModel(opts, threads);
      try {
        const tty = process.stderr.isTTY;
        const result = await scoreFile({
          model,
          provenance,
          input,
          output,
          chunkRows,
          badRows: opts.badRows,
          rejects: opts.rejects,
          onProgress: opts.json
            ? undefined
            : ({ rows, totalRows, seconds }) => {
                const rate = Math.round(rows / Math.max(seconds, 1e-9));
                const of = totalRows ? ` / ${totalRows} (${Math.round((100 * rows) / totalRows)}%)` : '';
                process.stderr.write(`${tty ? '\r' : ''}scored ${rows}${of} rows, ${rate} rows/s${tty ? '' : '\n'}`);
              },
        });
        if (!opts.json && tty) process.stderr.write('\n');
        if (opts.json) console.log(JSON.stringify({ ...result, model: provenance }));
        else {
          console.log(`${result.scored} of ${result.rows} rows scored with ${provenance.model}${provenance.version ? ` v${provenance.version}` : ''} in ${result.seconds.toFixed(2)} s → ${result.output}`);
          if (result.rejected) console.log(`${result.rejected} rows could not be scored → ${result.rejects}`);
        }
      } finally {
        await model.release();
        await close();
      }
    });
}

async function loadModel(opts: ScoreOptions, threads: number) {
  if (opts.onnx) {
    const bytes = await readFile(opts.onnx);
    const card = ModelCard.parse(JSON.parse(await readFile(join(dirname(opts.onnx), 'metadata.json'), 'utf8')));
    const model = await OnnxModel.load(bytes, card, opts.onnx, { threads });
    return { model, provenance: { model: card.modelName, version: null, sha256: sha256(bytes) }, close: async () => undefined };
  }
  const ref = parseModelRef(opts.model!);
  const registry = await openRegistry(process.env);
  try {
    const version = await resolveModelRef(registry, ref);
    const model = await OnnxModel.load(await registry.readModel(version), version.card, formatModelRef(ref), { threads });
    return { model, provenance: { model: version.model, version: version.version, sha256: version.sha256 }, close: () => registry.close() };
  } catch (err) {
    await registry.close();
    throw err;
  }
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${flag} must be a positive integer, not ${JSON.stringify(value)}`);
  return n;
}
