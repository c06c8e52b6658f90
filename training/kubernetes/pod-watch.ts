import type { V1Pod } from '@kubernetes/client-node';
import { ConfigError, TrainerError } from '../../errors/index.js';
import { Aborted, LostContact } from './api-errors.js';
import type { JobApi } from './job-api.js';
import { trainerStatus } from './job-status.js';
import type { LogFollower } from './log-follower.js';
import type { KubernetesRunnerTiming } from './timing.js';

/** Container waiting reasons that no amount of waiting fixes. */
const PERMANENT_WAITING = new Set(['InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError']);
const IMAGE_PULL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff']);

/** Watches the training Job's pod while the Job runs. */
export class PodWatcher {
  /** The pod waited on an image pull since this time (ms), if it still does. */
  private pullFailingSince: number | undefined;
  /** Why the pod was last seen not running yet, for the deadline message. */
  lastPending: string | undefined;

  constructor(
    private readonly api: JobApi,
    private readonly follower: LogFollower,
    private readonly timing: KubernetesRunnerTiming,
  ) {}

  /** Finds the Job's pod, starts following its log once the trainer runs, and fails fast on a pod that cannot start. */
  async watch(selector: string): Promise<void> {
    const pod = await this.newest(selector);
    if (!pod?.metadata?.name) return;
    const status = trainerStatus(pod);
    if (status?.state?.running || status?.state?.terminated) {
      this.pullFailingSince = undefined;
      this.lastPending = undefined;
      this.follower.follow(pod.metadata.name, status.state.terminated !== undefined);
      return;
    }
    const waiting = status?.state?.waiting;
    const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    this.lastPending = waiting?.reason
      ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`
      : unscheduled
        ? `${unscheduled.reason ?? 'Unschedulable'}${unscheduled.message ? `: ${unscheduled.message}` : ''}`
        : pod.status?.phase;
    const context = { job: this.api.name, namespace: this.api.ns, pod: pod.metadata.name, reason: waiting?.reason };
    if (waiting?.reason && PERMANENT_WAITING.has(waiting.reason)) {
      throw new ConfigError(`the trainer container of Job ${this.api.name} cannot start: ${this.lastPending}`, context);
    }
    if (waiting?.reason && IMAGE_PULL_WAITING.has(waiting.reason)) {
      this.pullFailingSince ??= Date.now();
      if (Date.now() - this.pullFailingSince >= this.timing.imagePullGraceMs) {
        throw new TrainerError('internal_error', `the trainer image of Job ${this.api.name} cannot be pulled: ${this.lastPending}`, context);
      }
    } else {
      this.pullFailingSince = undefined;
    }
  }

  /** The Job's most recently created pod, if it has one and the pods can be listed. */
  async newest(selector: string): Promise<V1Pod | undefined> {
    let pods: V1Pod[];
    try {
      pods = (await this.api.retrying('list the training pods', () => this.api.core.listNamespacedPod({ namespace: this.api.ns, labelSelector: selector }))).items;
    } catch (err) {
      if (err instanceof Aborted || err instanceof LostContact) throw err;
      return undefined; // e.g. not allowed to list pods: no progress, no details, but the Job still tells the outcome
    }
    return pods
      .slice()
      .sort((a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp))[0];
  }
}

function time(d: Date | string | undefined): number {
  if (d === undefined) return 0;
  const t = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isFinite(t) ? t : 0;
}
