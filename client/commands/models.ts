import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { ConfigError, IntegrityError, NotFoundError } from '../../errors/index.js';
import { sha256 } from '../../registry/blob-store.js';
import { parseModelName, parseModelRef, parseVersion, REF_HELP, requireModel, resolveModelRef } from '../../registry/model-ref.js';
import { openRegistry } from '../../registry/open.js';
import { ALIAS } from '../../registry/sql-registry.js';
import { CHAMPION, type AliasMove, type ModelVersion, type Registry } from '../../registry/types.js';


/** Who moves an alias from the command line, for the audit log. */
export function cliActor(): string {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.LOGNAME;
  }
  return `cli:${user || 'unknown'}`;
}

async function withRegistry<T>(fn: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = await openRegistry(process.env);
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}

/** `driftloop models …`: the registry's versions and aliases. */
export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description(
      'the model registry: list models, show a version, promote, roll back, export ' +
        '(PostgreSQL when DRIFTLOOP_DATABASE_URL is set, otherwise SQLite under DRIFTLOOP_HOME)',
    );

  models
    .command('list')
    .description('every model with its number of versions, its champion and when it last changed')
    .option('--json', 'print one JSON array', false)
    .action((opts: { json: boolean }) =>
      withRegistry(async (registry) => {
        const all = await registry.listModels();
        if (opts.json) return console.log(JSON.stringify(all));
        if (all.length === 0) return console.log('no models in the registry');
        console.log(
          table(
            ['MODEL', 'VERSIONS', 'CHAMPION', 'UPDATED'],
            all.map((m) => [m.model, String(m.versions), m.champion === null ? '-' : `v${m.champion}`, m.updatedAt]),
          ),
        );
      }),
    );

  models
    .command('show')
    .description('one version: hash, creation, metrics, features, the aliases pointing at it and the champion\'s history')
    .argument('<model>', REF_HELP)
    .option('--json', 'print one JSON object', false)
    .action((text: string, opts: { json: boolean }) =>
      withRegistry(async (registry) => {
        const v = await resolveModelRef(registry, parseModelRef(text));
        const aliases = (await registry.listAliases(v.model)).filter((a) => a.version === v.version).map((a) => a.alias);
        const championHistory = await registry.aliasHistory(v.model, CHAMPION);
        if (opts.json) {
          return console.log(
            JSON.stringify({
              model: v.model,
              version: v.version,
              sha256: v.sha256,
              trainingDataSha256: v.trainingDataSha256,
              createdAt: v.createdAt,
              runId: v.runId,
              task: v.card.task,
              target: v.card.target,
              estimator: estimatorOf(v),
              metrics: v.card.metrics,
              features: v.card.features.map((f) => ({ name: f.name, kind: f.kind })),
              aliases,
              championHistory,
            }),
          );
        }
        const lines = [`${v.model} version ${v.version}${aliases.length ? `  (${aliases.join(', ')})` : ''}`];
        const row = (k: string, val: string) => lines.push(`  ${k.padEnd(10)} ${val}`);
        row('sha256', v.sha256);
        row('created', v.createdAt + (v.runId ? `  by run ${v.runId}` : ''));
        row('task', `${v.card.task} (target ${v.card.target}), ${estimatorOf(v)}`);
        row(
          'metrics',
          Object.entries(v.card.metrics)
            .map(([k, x]) => `${k} ${x === null ? 'n/a' : x.toFixed(4)}`)
            .join(', ') || '-',
        );
        row('features', v.card.features.map((f) => `${f.name} (${f.kind})`).join(', '));
        lines.push(`champion history of ${v.model}:`);
        if (championHistory.length === 0) lines.push('  (never promoted)');
        for (const h of championHistory) lines.push(`  ${describeMove(h)}`);
        console.log(lines.join('\n'));
      }),
    );

  models
    .command('promote')
    .description('make VERSION the champion (compare-and-swap on the champion read just before; the old one becomes "previous"); audited as cli:<user>')
    .argument('<model>', 'model name')
    .argument('<version>', 'the version to promote')
    .option('--reason <text>', 'why, for the audit log', 'promoted from the command line')
    .option('--json', 'print {model, from, to, moved, previous} as JSON', false)
    .action((name: string, versionText: string, opts: { reason: string; json: boolean }) =>
      withRegistry(async (registry) => {
        const ref = { model: parseModelName(name) };
        const to = parseVersion(versionText, (why) => new ConfigError(`invalid version ${JSON.stringify(versionText)}: ${why}`));
        await requireModel(registry, ref.model);
        const current = await registry.resolveAlias(ref.model, CHAMPION);
        const result = await registry.promote({
          model: ref.model,
          to,
          expectedChampion: current?.version ?? null,
          actor: cliActor(),
          runId: null,
          reason: opts.reason,
        });
        if (opts.json) {
          return console.log(JSON.stringify({ model: ref.model, from: current?.version ?? null, to, moved: result.moved, previous: result.moved ? result.previousChampion : null }));
        }
        if (!result.moved) return console.log(`${ref.model}: version ${to} is already the champion; nothing changed`);
        console.log(
          `${ref.model}: champion ${current ? `v${current.version}` : '(none)'} → v${to}` +
            (result.previousChampion === null ? '' : `; previous → v${result.previousChampion}`),
        );
      }),
    );

  models
    .command('rollback')
    .description('swap "champion" and "previous" (undo the last promotion); audited as cli:<user>')
    .argument('<model>', 'model name')
    .option('--reason <text>', 'why, for the audit log', 'rolled back from the command line')
    .option('--json', 'print {model, champion, previous, moves} as JSON', false)
    .action((name: string, opts: { reason: string; json: boolean }) =>
      withRegistry(async (registry) => {
        const ref = { model: parseModelName(name) };
        await requireModel(registry, ref.model);
        const result = await registry.rollback({ model: ref.model, actor: cliActor(), reason: opts.reason });
        if (opts.json) return console.log(JSON.stringify({ model: ref.model, champion: result.champion, previous: result.previous, moves: result.moves }));
        if (result.moves.length === 0) return console.log(`${ref.model}: champion and previous are both v${result.champion}; nothing changed`);
        console.log(`${ref.model}: champion v${result.previous} → v${result.champion}; previous → v${result.previous}`);
      }),
    );

  models
    .command('export')
    .description('write a version\'s ONNX bytes (verified against their sha256) to FILE and its metadata to FILE.metadata.json')
    .argument('<model>', REF_HELP)
    .argument('<file>', 'where to write the ONNX model; the metadata (registry entry and model card) goes to <file>.metadata.json')
    .option('--force', 'overwrite existing files', false)
    .action((text: string, file: string, opts: { force: boolean }) =>
      withRegistry(async (registry) => {
        const v = await resolveModelRef(registry, parseModelRef(text));
        const metaFile = `${file}.metadata.json`;
        for (const f of [file, metaFile]) {
          if (!opts.force && existsSync(f)) throw new ConfigError(`${f} exists; pass --force to overwrite it`, { field: 'file' });
        }
        const onnx = await registry.readModel(v); // verified against its content address
        if (sha256(onnx) !== v.sha256) throw new IntegrityError(`version ${v.version} of ${v.model} does not match its sha256`, { model: v.model });
        const aliases = (await registry.listAliases(v.model)).filter((a) => a.version === v.version).map((a) => a.alias);
        const metadata = {
          model: v.model,
          version: v.version,
          sha256: v.sha256,
          trainingDataSha256: v.trainingDataSha256,
          createdAt: v.createdAt,
          runId: v.runId,
          aliases,
          card: v.card,
        };
        await writeAtomically(file, onnx);
        await writeAtomically(metaFile, `${JSON.stringify(metadata, null, 2)}\n`);
        console.log(`wrote ${file} (${v.model} version ${v.version}, sha256 ${v.sha256}) and ${metaFile}`);
      }),
    );
}

async function writeAtomically(file: string, content: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${randomUUID()}`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** A built-in estimator's name, or the user code's `module:function`. */
function estimatorOf(v: ModelVersion): string {
  const e = v.card.estimator;
  return 'name' in e ? e.name : e.code;
}

function describeMove(h: AliasMove): string {
  return (
    `${h.movedAt}  ${h.fromVersion === null ? '(none)' : `v${h.fromVersion}`} → v${h.toVersion}  by ${h.actor}` +
    (h.runId ? ` (run ${h.runId})` : '') +
    (h.reason ? `: ${h.reason}` : '')
  );
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
