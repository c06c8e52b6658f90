/** Reading a Job's and its pod's status. */
import type { V1ContainerStatus, V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import { TRAINER_CONTAINER } from './names.js';

export function condition(job: V1Job, type: 'Complete' | 'Failed'): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

export function hasCondition(job: V1Job, type: 'Complete' | 'Failed'): boolean {
  return condition(job, type) !== undefined;
}

export function isFinished(job: V1Job): boolean {
  return hasCondition(job, 'Complete') || hasCondition(job, 'Failed');
}

/** The label selector of the Job's pods, from the selector the API server generated for it. */
export function podSelector(job: V1Job): string | undefined {
  const labels = job.spec?.selector?.matchLabels;
  if (labels && Object.keys(labels).length > 0) {
    return Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  return job.metadata?.uid ? `batch.kubernetes.io/controller-uid=${job.metadata.uid}` : undefined;
}

export function trainerStatus(pod: V1Pod | undefined): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find((c) => c.name === TRAINER_CONTAINER);
}

export function trainerTerminated(pod: V1Pod | undefined) {
  const s = trainerStatus(pod);
  return s?.state?.terminated ?? s?.lastState?.terminated;
}
