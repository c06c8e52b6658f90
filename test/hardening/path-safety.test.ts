import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchConfig } from '../../config/batch.js';
import { ModelName } from '../../config/model-name.js';
import { projectRoot } from '../../config/paths.js';
import { TrainerConfig } from '../../config/pipeline.js';
import { ConfigError, NotFoundError } from '../../errors/index.js';
import { ReportFiles } from '../../reports/file-store.js';
import { BlobStore } from '../../registry/blob-store.js';
import { parseModelName, parseModelRef } from '../../registry/model-ref.js';

/**
 * Every place a string from a request or a config becomes part of a file
 * path is guarded at its boundary: model names (ModelName: report folders,
 * batch output folders, Kubernetes Job names), model references on the
 * command line, report ids from URLs, blob hashes, and user-code references
 * (the trainer imports only from its mount: trainer/tests/test_usercode.py).
 * Each gets the traversal attempts below. Child processes are started with
 * argument arrays only, never through a shell.
 */
const TRAVERSAL = ['..', '../x', '../../etc/passwd', '/etc/passwd', 'a/../b', 'a\\..\\b', 'a\u0000b', '%2e%2e', '%2e%2e%2fx', '..%2f..%2fx', '.hidden', 'x\n', 'x/', '', 'C:\\x', '~/x'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftloop-paths-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every file under `root`, relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(relative(root, join(e.parentPath, e.name)));
  return out.sort();
}

describe('path safety at the boundaries', () => {
  it.each(TRAVERSAL)('model name %j is refused (ModelName, model references, batch configs)', (bad) => {
    expect(ModelName.safeParse(bad).success).toBe(false);
    expect(() => parseModelName(bad)).toThrow(ConfigError);
    for (const ref of [bad, `${bad}@champion`, `${bad}:1`]) expect(() => parseModelRef(ref), ref).toThrow(ConfigError);
    // Versions and aliases are checked too: a version is a positive integer, an alias a short word.
    expect(() => parseModelRef(`churn:${bad}`)).toThrow(ConfigError);
    expect(() => parseModelRef(`churn@${bad}`)).toThrow(ConfigError);
    const batch = { model: bad, input: { kind: 'file', path: 'in.csv' }, output: { path: 'out' } };
    expect(BatchConfig.safeParse(batch).success).toBe(false);
    expect(BatchConfig.safeParse({ ...batch, model: 'churn', name: bad }).success).toBe(false);
  });

  it('report files: a model or report name, or a report id from a URL, never leaves the reports folder', async () => {
    const root = join(dir, 'home');
    const files = new ReportFiles(join(root, 'reports'));
    await files.save({ model: 'churn', kind: 'run', html: '<p>ok</p>', name: 'run-1' });
    // What a traversal would reach.
    await writeFile(join(root, 'secret.html'), 'TOP-SECRET');
    await writeFile(join(root, 'reports', 'secret.html'), 'TOP-SECRET');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc', 'passwd.html'), 'TOP-SECRET');
    const before = await filesUnder(root);
    for (const bad of TRAVERSAL) {
      await expect(files.save({ model: bad, kind: 'run', html: 'x' }), `model ${JSON.stringify(bad)}`).rejects.toThrow(ConfigError);
      await expect(files.save({ model: 'churn', kind: 'run', html: 'x', name: bad }), `name ${JSON.stringify(bad)}`).rejects.toThrow(ConfigError);
      for (const id of [bad, `churn/${bad}`, `${bad}/run-1`, `churn/${bad}/secret`, `${bad}/secret`, `churn/run-1/${bad}`]) {
        await expect(files.read(id), `id ${JSON.stringify(id)}`).rejects.toThrow(NotFoundError);
      }
    }
    for (const id of ['churn/../secret', 'churn/../../secret', '../secret', '../etc/passwd', 'churn/%2e%2e%2fsecret']) await expect(files.read(id), id).rejects.toThrow(NotFoundError);
    // Nothing was written anywhere by the refused saves.
    expect(await filesUnder(root)).toEqual(before);
    expect(await files.read('churn/run-1')).toBe('<p>ok</p>');
  });

  it('blob hashes: only 64 hex digits name a blob', async () => {
    const store = new BlobStore(join(dir, 'blobs'));
    const hash = await store.put(new TextEncoder().encode('model bytes'));
    for (const bad of [...TRAVERSAL, `${hash}/../../x`, `../sha256/${hash}`, hash.toUpperCase(), `${hash}\u0000`]) {
      expect(() => store.pathOf(bad), JSON.stringify(bad)).toThrow(RangeError);
      await expect(store.get(bad)).rejects.toThrow(RangeError);
    }
    expect(new TextDecoder().decode(await store.get(hash))).toBe('model bytes');
  });

  it('user-code references in the pipeline config are "module.path:function", nothing path-like', () => {
    for (const bad of [...TRAVERSAL.map((t) => `${t}:build`), 'models/linear:build', '../models:build', '/abs/models:build', 'models:build\n', 'models\u0000:build', 'models:', ':build', 'models', 'models:build:x', 'a..b:c', '%2e%2e:build']) {
      expect(TrainerConfig.safeParse({ code: bad }).success, JSON.stringify(bad)).toBe(false);
    }
    expect(TrainerConfig.safeParse({ code: 'models.linear:build' }).success).toBe(true);
  });

  it('child processes are started with argument arrays, never through a shell', async () => {
    const sources: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (['node_modules', 'dist', 'test', 'test-results', '.git', '.venv', '.driftloop', 'trainer'].includes(e.name)) continue;
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.name.endsWith('.ts')) sources.push(p);
      }
    };
    await walk(projectRoot);
    const users: string[] = [];
    for (const file of sources) {
      const text = await readFile(file, 'utf8');
      const imports = [...text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'node:child_process'/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim().replace(/^type\s+/, '')).filter(Boolean));
      if (imports.length === 0 && !text.includes('child_process')) continue;
      users.push(relative(projectRoot, file));
      // spawn/execFile (and their Sync forms) take (file, args[]): no string is ever parsed by a shell.
      expect(imports.filter((name) => !['spawn', 'spawnSync', 'execFile', 'execFileSync', 'ChildProcess', 'SpawnOptions'].includes(name.split(/\s+as\s+/)[0]!)), file).toEqual([]);
      expect(text, file).not.toMatch(/\bshell\s*:\s*(true|['"`])/);
      expect(text, file).not.toMatch(/(?<![.\w])(exec|execSync)\(/);
    }
    expect(users.length).toBeGreaterThanOrEqual(4); // the trainer runners, the dev server, the sandbox's serve process…
    expect(existsSync(join(projectRoot, 'training', 'local-runner.ts'))).toBe(true);
  });
});
