import { isAbsolute, posix } from 'node:path';
import { ConfigError } from '../../errors/index.js';

/** Where the container's scratch (emptyDir) volume is mounted. */
export const TMP_PATH = '/tmp';

// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f]/;

/** `path` (on the worker, under `home`) as the Job's container sees it (under `mountPath`). */
export function jobPath(path: string, home: string, mountPath: string, what: string): string {
  if (typeof path !== 'string' || !isAbsolute(path) || CONTROL.test(path)) {
    throw new ConfigError(`the training ${what} path ${JSON.stringify(path)} is not an absolute path without control characters`, { field: `paths.${what}`, path });
  }
  if (typeof home !== 'string' || !isAbsolute(home)) {
    throw new ConfigError(`DRIFTLOOP_HOME ${JSON.stringify(home)} is not an absolute path`, { field: 'home', path: home });
  }
  const rel = posix.relative(posix.normalize(home), posix.normalize(path));
  if (!isStrictlyWithin(rel)) {
    throw new ConfigError(
      `the training ${what} path ${path} is outside DRIFTLOOP_HOME (${home}), so the Kubernetes trainer cannot see it on the shared volume`,
      { field: `paths.${what}`, path, home },
    );
  }
  return posix.join(mountPath, rel);
}

/** A relative path (from posix.relative) that names something strictly below its base. */
export function isStrictlyWithin(rel: string): boolean {
  return rel !== '' && rel !== '..' && !rel.startsWith('../') && !posix.isAbsolute(rel);
}
