import { readdir, readFile } from 'node:fs/promises';

/** Pids of trainer processes (`driftloop_trainer` in their command line) whose command line also mentions `needle`. */
export async function trainerPids(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('driftloop_trainer') && cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** Whether a process exists (a zombie counts: it is not gone until reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
