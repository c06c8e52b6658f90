import type { WorkflowHandle } from '@temporalio/client';
import type { retrainPipeline } from '../workflows/retrain-pipeline.js';
import { statusQuery } from '../workflows/retrain-pipeline.js';
import type { PassSummary, Phase } from '../workflows/summary.js';
import { waitForPass } from './pass.js';

export interface ProgressOptions {
  /** Where progress goes (stderr: stdout stays the summary). */
  write: (text: string) => void;
  /** A terminal gets a live line (stage and elapsed time); anything else one line per stage. */
  live: boolean;
  pollMs?: number;
}

/**
 * Waits for a pass while showing where it is: one line as each stage starts,
 * and on a terminal a live line with the running stage and the time it has
 * taken. Progress is read with the `status` query; a query that fails (a
 * worker restarting) is skipped, the pass's result is what counts.
 */
export async function waitWithProgress(handle: WorkflowHandle<typeof retrainPipeline>, opts: ProgressOptions): Promise<PassSummary> {
  const started = Date.now();
  let shown: Phase | null | undefined;
  let stageSince = started;
  let liveShown = false;
  const clearLive = () => {
    if (liveShown) opts.write('\r\x1b[2K');
    liveShown = false;
  };
  const poll = async () => {
    let s: PassSummary;
    try {
      s = await handle.query(statusQuery);
    } catch {
      return;
    }
    if (s.stage !== shown && s.stage !== null) {
      clearLive();
      opts.write(`  ▸ ${s.stage}${waitingNote(s)}\n`);
      shown = s.stage;
      stageSince = Date.now();
    }
    if (opts.live && s.stage) {
      opts.write(`\r\x1b[2K  ${s.stage} … ${seconds(Date.now() - stageSince)} (pass ${seconds(Date.now() - started)})`);
      liveShown = true;
    }
  };
  const timer = setInterval(() => void poll(), opts.pollMs ?? 500);
  try {
    await poll();
    return await waitForPass(handle);
  } finally {
    clearInterval(timer);
    clearLive();
  }
}

function waitingNote(s: PassSummary): string {
  if (s.stage === 'approval' && s.approval?.status === 'waiting') {
    return `: candidate v${s.approval.candidate} waits until ${s.approval.deadline} — driftloop approve|reject ${s.model}`;
  }
  return '';
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
