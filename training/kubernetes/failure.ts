import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { DriftloopError, TrainerError } from '../../errors/index.js';
import { TRAINER_EXIT_CLASSES, trainerFailure } from '../trainer-exit.js';
import { condition, trainerStatus, trainerTerminated } from './job-status.js';
import { TRAINER_CONTAINER } from './names.js';

/** The trainer's output without its progress/event lines (they precede the error object in the merged log). */
export function withoutProgress(output: string): string {
  return output
    .split('\n')
    .filter((l) => {
      const t = l.trim();
      if (!t.startsWith('{"event"')) return true;
      try {
        const v = JSON.parse(t) as { event?: unknown };
        return typeof v.event !== 'string';
      } catch {
        return true;
      }
    })
    .join('\n');
}

/**
 * The error for a Job that ended with its Failed condition: by the trainer's
 * exit code and its last `{"error": …}` line when it exited by itself, as
 * `killed` (retryable) when Kubernetes stopped it (deadline, OOM, eviction,
 * signal).
 */
export function describeFailure(input: { job: V1Job; pod: V1Pod | undefined; output: string; lastPending?: string | undefined }): DriftloopError {
  const { job, pod, output } = input;
  const name = job.metadata?.name ?? '(unnamed)';
  const context: Record<string, unknown> = {
    job: name,
    namespace: job.metadata?.namespace,
    ...(pod?.metadata?.name ? { pod: pod.metadata.name } : {}),
  };
  const failed = condition(job, 'Failed');
  const terminated = trainerTerminated(pod);
  if (failed?.reason === 'DeadlineExceeded') {
    const why = terminated === undefined && input.lastPending ? `; the trainer never started (${input.lastPending})` : '';
    return new TrainerError(
      'killed',
      `the training Job ${name} ran longer than its deadline of ${job.spec?.activeDeadlineSeconds ?? '?'} s and was stopped${why}`,
      { ...context, reason: failed.reason },
    );
  }
  if (terminated) {
    const code = terminated.exitCode;
    const withCode = { ...context, exitCode: code, ...(terminated.reason ? { reason: terminated.reason } : {}) };
    if (terminated.reason === 'OOMKilled') {
      const limit = pod?.spec?.containers.find((c) => c.name === TRAINER_CONTAINER)?.resources?.limits?.memory;
      return new TrainerError('killed', `the trainer in Job ${name} ran out of memory${limit ? ` (limit ${limit})` : ''} and was killed`, withCode);
    }
    if (code in TRAINER_EXIT_CLASSES || (code > 0 && code < 128)) return trainerFailure(code, output, withCode);
    if (code >= 128) {
      return new TrainerError('killed', `the trainer in Job ${name} was killed by signal ${code - 128} (exit code ${code})`, withCode);
    }
  }
  const status = trainerStatus(pod);
  const waiting = status?.state?.waiting;
  const podReason = [pod?.status?.reason, pod?.status?.message].filter(Boolean).join(': ');
  const jobReason = [failed?.reason, failed?.message].filter(Boolean).join(': ');
  const why = podReason || (waiting?.reason ? `container ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : '') || jobReason || 'no reason given';
  return new TrainerError('killed', `the training Job ${name} failed before the trainer exited by itself (${why})`, {
    ...context,
    ...(failed?.reason ? { reason: failed.reason } : {}),
  });
}
