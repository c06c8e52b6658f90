import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot, trainerPython } from '../../config/paths.js';

/**
 * The trainer image's Temporal worker mode, run for real from the project
 * venv against the test server (the `temporal` runner's far side).
 */
export async function startPythonTrainerWorker(address: string, taskQueue: string): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(trainerPython(), ['-m', 'driftloop_trainer', 'worker', '--address', address, '--task-queue', taskQueue], {
    cwd: join(projectRoot, 'trainer'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready once it has connected and polls; a worker that dies at start fails the test with its log.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, 4000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`python trainer worker exited with ${code}:\n${log}`));
    });
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
