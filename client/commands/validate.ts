import { access, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { loadPipelineConfig } from '../../config/load.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { ConfigError, DataError } from '../../errors/index.js';

interface Result {
  file: string;
  model?: string;
  ok: boolean;
  error?: string;
}

/** A folder argument stands for its *.yaml / *.yml files (not recursive), in name order. */
async function expand(arg: string): Promise<string[]> {
  const info = await stat(arg).catch(() => null);
  if (!info?.isDirectory()) return [arg];
  const names = (await readdir(arg)).filter((n) => ['.yaml', '.yml'].includes(extname(n))).sort();
  if (names.length === 0) throw new ConfigError(`${arg}: folder has no *.yaml or *.yml files`, { file: arg });
  return names.map((n) => join(arg, n));
}

/**
 * A missing data file is an error, not a warning: the pass would fail on it
 * (reference at bootstrap, current at every pass), so "valid" should mean
 * "can run". Paths are checked as loadPipelineConfig resolved them.
 */
async function checkDataFiles(file: string, cfg: PipelineConfig): Promise<void> {
  for (const field of ['reference', 'current'] as const) {
    const path = cfg.data[field];
    try {
      await access(path);
    } catch {
      throw new DataError(`${file}: data.${field}: ${path} does not exist`, { file, field: `data.${field}` });
    }
  }
}

async function validateOne(file: string, checkData: boolean): Promise<Result> {
  try {
    const cfg = await loadPipelineConfig(file);
    if (checkData) await checkDataFiles(file, cfg);
    return { file, model: cfg.model, ok: true };
  } catch (err) {
    return { file, ok: false, error: (err as Error).message.split('\n')[0]! };
  }
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check pipeline configs (files, or folders of *.yaml/*.yml) and that their data files exist, without running anything')
    .argument('<config...>', 'pipeline config files or folders')
    .option('--no-data-check', 'do not check that data.reference and data.current exist (e.g. on a machine without the data)')
    .option('--json', 'print [{file, model?, ok, error?}]', false)
    .action(async (args: string[], opts: { dataCheck: boolean; json: boolean }) => {
      const results: Result[] = [];
      for (const arg of args) {
        let files: string[];
        try {
          files = await expand(arg);
        } catch (err) {
          results.push({ file: arg, ok: false, error: (err as Error).message });
          continue;
        }
        for (const file of files) results.push(await validateOne(file, opts.dataCheck));
      }
      if (opts.json) {
        console.log(JSON.stringify(results));
      } else {
        for (const r of results) {
          if (r.ok) console.log(`ok ${r.model} (${r.file})`);
          else console.error(`driftloop: error: ${r.error}`);
        }
      }
      if (results.some((r) => !r.ok)) process.exitCode = 1;
    });
}
