import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../client/main.js';
import { buildProgram } from '../../client/program.js';
import { driftloop } from '../support/cli.js';

/** Every command of the program, by its path ("models list"), the root included as "". */
function walk(cmd: Command, prefix: string[] = []): { path: string; cmd: Command }[] {
  return [{ path: prefix.join(' '), cmd }, ...cmd.commands.flatMap((c) => walk(c, [...prefix, c.name()]))];
}

const all = walk(buildProgram());
const leaves = all.filter(({ cmd }) => cmd.commands.length === 0);

/**
 * Commands that read and print something: each takes --json. A new command
 * must be added here or to NOT_READ, so the choice is made on purpose.
 */
const READ = [
  'demo', 'run', 'status', 'approve', 'reject', 'validate', 'schedule create', 'schedule list', 'schedule trigger',
  'train', 'score', 'batch', 'models list', 'models show', 'models promote', 'models rollback', 'rollback', 'drift',
  'metrics', 'settings',
];
/** Long-running servers, and commands whose only output is an acknowledgement or a file. */
const NOT_READ = ['dev', 'worker', 'serve', 'dashboard', 'github serve', 'schedule pause', 'schedule unpause', 'schedule delete', 'models export'];

describe('driftloop --help', () => {
  it('describes every command, argument and option', () => {
    expect(all.length).toBeGreaterThan(25);
    for (const { path, cmd } of all) {
      expect(cmd.description().trim(), `command "${path}" has no description`).not.toBe('');
      for (const a of cmd.registeredArguments) expect(a.description.trim(), `argument ${a.name()} of "${path}"`).not.toBe('');
      for (const o of cmd.options) expect(o.description.trim(), `option ${o.flags} of "${path}"`).not.toBe('');
    }
  });

  it('names the environment variable and the default of every option that has one', () => {
    for (const { path, cmd } of all) {
      for (const o of cmd.options) {
        const name = o.attributeName();
        if (name === 'taskQueue') expect(o.description, `${path} ${o.flags}`).toMatch(/DRIFTLOOP_TASK_QUEUE.*default "driftloop"/);
        if (name === 'address') expect(o.description).toMatch(/TEMPORAL_ADDRESS.*default "localhost:7233"/);
        if (name === 'namespace') expect(o.description).toMatch(/TEMPORAL_NAMESPACE.*default "default"/);
      }
    }
  });

  it('gives every read command --json, and classifies every command', () => {
    const paths = leaves.map((l) => l.path).filter((p) => p !== 'help');
    for (const p of paths) expect([...READ, ...NOT_READ], `"${p}" is neither a read command nor listed as one that is not`).toContain(p);
    for (const p of READ) {
      const leaf = leaves.find((l) => l.path === p);
      expect(leaf, `no command "${p}"`).toBeDefined();
      expect(leaf!.cmd.options.some((o) => o.long === '--json'), `"${p}" has no --json`).toBe(true);
    }
  });

  it('prints the help of the program and of every command with exit 0', async () => {
    const root = await driftloop(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/Exit status: 0 success, 1 error .* 2 bad command line, 3 drift found/);
    for (const c of all) if (c.path !== '') expect(root.stdout.includes(c.path.split(' ')[0]!)).toBe(true);
    const sub = await driftloop(['schedule', 'create', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--catchup-window <duration>');
    expect(sub.stdout).toContain('(default: "1h")');
    // The global options (where Temporal is) are listed in every command's help.
    expect(sub.stdout).toMatch(/Global Options:[\s\S]*--address <host:port> +Temporal frontend \(env TEMPORAL_ADDRESS/);
  });

  it('names the registry environment in the help of every command that opens the registry', () => {
    for (const path of ['models list', 'models promote', 'rollback', 'metrics', 'score', 'serve', 'dashboard']) {
      const { cmd } = all.find((c) => c.path === path)!;
      let text = '';
      cmd.configureOutput({ writeOut: (t) => void (text += t) });
      cmd.outputHelp();
      expect(text, path).toContain('PostgreSQL when DRIFTLOOP_DATABASE_URL is set, else SQLite under DRIFTLOOP_HOME');
    }
  });
});

describe('errors', () => {
  it('reports a bad command line in one line with exit 2', async () => {
    const cases = [['models', 'lst'], ['run'], ['status', 'x', '--frobnicate']];
    const results = await Promise.all(cases.map((args) => driftloop(args)));
    for (const [i, args] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^driftloop: error: /);
    }
  });

  it('reports a failing command in one line with exit 1, and the stack trace only with --debug', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-help-'));
    const plain = await driftloop(['models', 'show', 'nosuch'], { DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: '' });
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).toMatch(/^driftloop: error: .*nosuch/);
    const debug = await driftloop(['--debug', 'models', 'show', 'nosuch'], { DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: '' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('keeps an error message that spans lines on one line', async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      await main(['node', 'driftloop', 'settings', '--settings', '/no/such\nsettings.yaml']);
      expect(process.exitCode).toBe(1);
    } finally {
      spy.mockRestore();
      process.exitCode = 0;
    }
    expect(errors).toEqual(['driftloop: error: settings file /no/such settings.yaml does not exist (--settings)']);
  });
});

describe('--json output parses', () => {
  it('for models list, validate and drift', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-json-'));
    const env = { DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: '' };
    const models = await driftloop(['models', 'list', '--json'], env);
    expect(models.code).toBe(0);
    expect(JSON.parse(models.stdout)).toEqual([]);

    const validate = await driftloop(['validate', '--json', join(home, 'missing.yaml')], env);
    expect(validate.code).toBe(1);
    expect(JSON.parse(validate.stdout)).toMatchObject([{ ok: false }]);

    const ref = join(home, 'ref.csv');
    const cur = join(home, 'cur.csv');
    await writeFile(ref, `x\n${Array.from({ length: 50 }, (_, i) => i).join('\n')}\n`);
    await writeFile(cur, `x\n${Array.from({ length: 50 }, (_, i) => i + 100).join('\n')}\n`);
    const drift = await driftloop(['drift', '--reference', ref, '--current', cur, '--json'], env);
    expect(drift.code).toBe(0);
    expect(JSON.parse(drift.stdout)).toMatchObject({ dataset: { drifted: true } });
    const contradiction = await driftloop(['drift', '--reference', ref, '--current', cur, '--json', '--format', 'html'], env);
    expect(contradiction.code).toBe(2);
    expect(contradiction.stderr).toMatch(/--json contradicts --format html/);
  });
});
