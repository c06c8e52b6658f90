import type { Command } from 'commander';
import { loadSettings, redactSettings, type CliSettings } from '../settings.js';

/** `driftloop settings`: which Temporal settings a command would use, and where each came from. */
export function registerSettings(program: Command): void {
  program
    .command('settings')
    .description('show the resolved connection settings (address, namespace, task queue, TLS, API key) and where each came from: flag, env, file or default (docs/cli.md)')
    .option('--task-queue <name>', 'task queue (env DRIFTLOOP_TASK_QUEUE, default "driftloop")')
    .option('--json', 'print one JSON object (the API key is shown as "(set)", never its value)', false)
    .action((opts: { json: boolean }, cmd: Command) => {
      const s = redactSettings(loadSettings(cmd.optsWithGlobals()));
      console.log(opts.json ? JSON.stringify(s) : formatSettings(s));
    });
}

function formatSettings(s: CliSettings): string {
  const tls = s.tls
    ? [
        'on',
        s.tls.cert ? `cert ${s.tls.cert}` : null,
        s.tls.key ? `key ${s.tls.key}` : null,
        s.tls.ca ? `ca ${s.tls.ca}` : 'system CAs',
        s.tls.serverName ? `server name ${s.tls.serverName}` : null,
      ]
        .filter(Boolean)
        .join(', ')
    : 'off';
  const rows: [string, string, string][] = [
    ['address', s.address, s.sources.address],
    ['namespace', s.namespace, s.sources.namespace],
    ['task queue', s.taskQueue, s.sources.taskQueue],
    ['tls', tls, s.sources.tls],
    ['api key', s.apiKey ?? '(none)', s.sources.apiKey],
  ];
  return [...rows.map(([k, v, from]) => `${k.padEnd(10)} ${v}  (${from})`), `settings file: ${s.file ?? '(none)'}`].join('\n');
}
