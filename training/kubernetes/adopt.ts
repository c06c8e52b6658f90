import type { V1Job } from '@kubernetes/client-node';
import { ConfigError, TrainerError } from '../../errors/index.js';
import { isApiStatus } from './api-errors.js';
import { hasCondition } from './job-status.js';
import type { JobApi } from './job-api.js';
import { LABELS } from './names.js';
import type { KubernetesRunnerTiming } from './timing.js';

/**
 * Creates the training Job, or adopts the one a previous attempt created
 * (running or complete); a failed one, or one being deleted, is replaced.
 */
export async function createOrAdopt(api: JobApi, manifest: V1Job, timing: KubernetesRunnerTiming): Promise<V1Job> {
  const wanted = manifest.metadata?.labels?.[LABELS.requestHash];
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.retrying('create the training Job', () => api.batch.createNamespacedJob({ namespace: api.ns, body: manifest }), {
        raceAbort: false,
      });
    } catch (err) {
      if (!isApiStatus(err, 409)) throw api.apiFailure('create the training Job', err);
    }
    const existing = await api.readJob();
    if (existing === undefined) {
      if (attempt >= 5) throw new TrainerError('internal_error', `the training Job ${api.name} keeps appearing and disappearing; giving up`);
      continue; // deleted between our create and read: create again
    }
    const have = existing.metadata?.labels?.[LABELS.requestHash];
    if (wanted !== undefined && have !== wanted) {
      throw new ConfigError(
        `a Job named ${api.name} already exists in namespace ${api.ns} but was not created by driftloop for this training request (its ${LABELS.requestHash} label is ${JSON.stringify(have ?? null)})`,
        { job: api.name, namespace: api.ns },
      );
    }
    const deleting = existing.metadata?.deletionTimestamp !== undefined;
    if (!deleting && !hasCondition(existing, 'Failed')) return existing; // running or complete: adopt it
    // A failed Job of an earlier attempt is not reused: this attempt trains again.
    if (attempt >= 5) throw new TrainerError('internal_error', `the earlier training Job ${api.name} cannot be replaced; giving up`);
    if (!deleting) await api.deleteJob();
    await waitUntilGone(api, existing.metadata?.uid, timing);
  }
}

async function waitUntilGone(api: JobApi, uid: string | undefined, timing: KubernetesRunnerTiming): Promise<void> {
  const until = Date.now() + Math.max(timing.apiFailureBudgetMs, 60_000);
  for (;;) {
    const j = await api.readJob();
    if (j === undefined || (uid !== undefined && j.metadata?.uid !== uid)) return;
    if (Date.now() > until) throw new TrainerError('internal_error', `the earlier training Job ${api.name} is still being deleted; try again later`);
    await api.sleep(timing.pollIntervalMs);
  }
}
