import type { Command } from 'commander';
import { ConfigError } from '../../errors/index.js';
import { parseModelName, parseVersion, requireModel } from '../../registry/model-ref.js';
import { openRegistry } from '../../registry/open.js';
import { CHAMPION, PREVIOUS, type AliasMove } from '../../registry/types.js';
import { cliActor } from './models.js';

interface RollbackOptions {
  reason: string;
  to?: string;
  json: boolean;
}

interface RollbackOutcome {
  model: string;
  /** Whether any alias moved. */
  rolledBack: boolean;
  champion: number;
  previous: number | null;
  moves: AliasMove[];
}

/**
 * `driftloop rollback NAME`: undo the last promotion — `champion` goes back
 * to `previous` (and `previous` to the demoted version) in one audited,
 * compare-and-swap step. `--to VERSION` rolls back to an older version than
 * `previous`: it becomes the champion and the demoted one `previous`.
 */
export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('move the champion back to the previous version (or --to an older one), audited as cli:<user> (docs/promotion.md)')
    .argument('<name>', 'model name')
    .option('--reason <text>', 'why, for the audit log', 'rolled back from the command line')
    .option('--to <version>', 'the version to roll back to (default: the one the "previous" alias points at)')
    .option('--json', 'print one JSON object', false)
    .action(async (name: string, opts: RollbackOptions) => {
      const model = parseModelName(name);
      const to = opts.to === undefined ? undefined : parseVersion(opts.to, (why) => new ConfigError(`invalid --to ${JSON.stringify(opts.to)}: ${why}`, { flag: '--to' }));
      if (opts.reason.trim() === '') throw new ConfigError('--reason must not be empty: the audit log records why', { flag: '--reason' });
      const registry = await openRegistry(process.env);
      let outcome: RollbackOutcome;
      try {
        await requireModel(registry, model);
        outcome = await rollback(registry, model, to, opts.reason);
      } finally {
        await registry.close();
      }
      if (opts.json) return console.log(JSON.stringify(outcome));
      if (!outcome.rolledBack) return console.log(`${model}: version ${outcome.champion} is already the champion; nothing changed`);
      const demoted = outcome.moves.find((m) => m.alias === CHAMPION)!.fromVersion;
      console.log(`${model}: champion v${demoted} → v${outcome.champion}; previous → v${outcome.previous}`);
    });
}

async function rollback(registry: Awaited<ReturnType<typeof openRegistry>>, model: string, to: number | undefined, reason: string): Promise<RollbackOutcome> {
  const actor = cliActor();
  const champion = (await registry.resolveAlias(model, CHAMPION))?.version ?? null;
  const previous = (await registry.resolveAlias(model, PREVIOUS))?.version ?? null;
  if (to === undefined || to === previous) {
    // Errors name what is missing: no champion, or no previous version to go back to.
    const res = await registry.rollback({ model, actor, reason, ...(champion === null ? {} : { expectedChampion: champion }) });
    return { model, rolledBack: res.moves.length > 0, champion: res.champion, previous: res.previous, moves: res.moves };
  }
  if (champion === null) {
    throw new ConfigError(`model "${model}" has no champion: there is nothing to roll back (use \`driftloop models promote\` to set one)`, { flag: '--to' });
  }
  await registry.getVersion(model, to); // NotFoundError naming the version
  if (to === champion) return { model, rolledBack: false, champion, previous, moves: [] };
  // An older version than `previous`: it becomes champion, the demoted one becomes `previous`, by compare-and-swap.
  const res = await registry.promote({ model, to, expectedChampion: champion, actor, reason: `rollback to version ${to}: ${reason}` });
  const moves = res.moved ? res.moves : [];
  return { model, rolledBack: res.moved, champion: to, previous: res.moved ? champion : previous, moves };
}
