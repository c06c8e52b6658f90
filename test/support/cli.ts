import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The installed CLI (compiled into dist/ by scripts/setup.sh). */
export const DRIFTLOOP_BIN = fileURLToPath(new URL('../../bin/driftloop.js', import.meta.url));
const run = promisify(execFile);

/** Runs the real CLI and returns its exit code and output (a failing command does not throw). */
export async function driftloop(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [DRIFTLOOP_BIN, ...args], { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
