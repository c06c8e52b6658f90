/**
 * A driftloop process started by a worker activity (the serving sandbox's
 * `driftloop serve`) must not outlive that worker: a worker killed with
 * SIGKILL runs no cleanup, and its child would keep its port and memory
 * forever. The parent sets DRIFTLOOP_PARENT_PID; when this process is
 * re-parented (its parent died), it stops itself — SIGTERM first, so the
 * command's own shutdown runs, then exit.
 */
export const PARENT_PID_ENV = 'DRIFTLOOP_PARENT_PID';

const CHECK_MS = 1_000;
const GRACE_MS = 5_000;

export function exitWithParent(env: NodeJS.ProcessEnv = process.env): void {
  const parent = Number(env[PARENT_PID_ENV]);
  // Meant for this process only: a process it starts has another parent.
  delete env[PARENT_PID_ENV];
  if (!Number.isInteger(parent) || parent <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), GRACE_MS).unref();
  }, CHECK_MS);
  // Watching must not keep an otherwise finished command alive.
  timer.unref();
}
