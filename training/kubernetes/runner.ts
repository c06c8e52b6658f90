import { Log, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { ConfigError, DriftloopError, TrainerError } from '../../errors/index.js';
import type { TrainerProgress } from '../request.js';
import { createOrAdopt } from './adopt.js';
import { Aborted, LostContact } from './api-errors.js';
import { describeFailure, withoutProgress } from './failure.js';
import { JobApi } from './job-api.js';
import { hasCondition, isFinished, podSelector, trainerTerminated } from './job-status.js';
import { LogFollower } from './log-follower.js';
import { TRAINER_CONTAINER } from './names.js';
import { PodWatcher } from './pod-watch.js';
import { DEFAULT_TIMING, type KubernetesRunnerTiming } from './timing.js';

/**
 * Runs a training Job (training/kubernetes/manifest.ts) to its end: creates it (or
 * adopts the one a previous attempt created), follows its pod's log for
 * progress, waits for it to finish, turns a failure into a TrainerError, and
 * deletes the Job.
 *
 * The Job's name is a function of the request, so a retried activity finds
 * the Job of its previous attempt: a running or finished one is adopted (no
 * second training starts); a failed one, or one being deleted, is replaced.
 * The Job is deleted (propagationPolicy Background) once it succeeded, once it
 * failed, and when the run is cancelled — except when the Kubernetes API stays
 * unreachable: then the Job is left running for the retried attempt to adopt
 * (its activeDeadlineSeconds and ttlSecondsAfterFinished bound it).
 */

export interface KubernetesTrainJob {
  /** From trainingJobManifest(). */
  manifest: V1Job;
  namespace: string;
  kubeConfig: KubeConfig;
  onProgress?: (p: TrainerProgress) => void;
  /** Cancellation: the Job is deleted and TrainerError('killed') thrown. */
  signal?: AbortSignal;
  timing?: Partial<KubernetesRunnerTiming>;
}

export async function runKubernetesTrainer(job: KubernetesTrainJob): Promise<void> {
  await new TrainingJobRun(job).run();
}

/** Lines of the log tail read when a training failed (the error object is the trainer's last line). */
const FAILURE_LOG_LINES = 200;

class TrainingJobRun {
  private readonly name: string;
  private readonly ns: string;
  private readonly api: JobApi;
  private readonly timing: KubernetesRunnerTiming;
  private readonly follower: LogFollower;
  private readonly pods: PodWatcher;
  private readonly signal: AbortSignal | undefined;

  constructor(private readonly job: KubernetesTrainJob) {
    const name = job.manifest.metadata?.name;
    if (!name) throw new ConfigError('the training Job manifest has no metadata.name');
    const manifestNs = job.manifest.metadata?.namespace;
    if (manifestNs !== undefined && manifestNs !== job.namespace) {
      throw new ConfigError(`the training Job manifest is for namespace "${manifestNs}", not "${job.namespace}"`);
    }
    this.name = name;
    this.ns = job.namespace;
    this.signal = job.signal;
    this.timing = { ...DEFAULT_TIMING, ...job.timing };
    this.api = new JobApi(name, this.ns, job.kubeConfig, this.timing, this.signal);
    this.follower = new LogFollower(new Log(job.kubeConfig), this.ns, (p) => job.onProgress?.(p), this.timing);
    this.pods = new PodWatcher(this.api, this.follower, this.timing);
  }

  async run(): Promise<void> {
    try {
      await this.runJob();
    } catch (err) {
      if (err instanceof LostContact) {
        throw new TrainerError('internal_error', err.message, { job: this.name, namespace: this.ns });
      }
      if (err instanceof Aborted) throw this.cancelled(await this.api.deleteJob());
      throw err;
    }
  }

  private async runJob(): Promise<void> {
    // Cancelled before it started: a previous attempt's Job (if any) goes too (see run()).
    this.api.throwIfAborted();
    // Not raced with the cancellation signal: the Job must exist (or not) for
    // certain before it is deleted, or a late create would leave it behind.
    let current = await createOrAdopt(this.api, this.job.manifest, this.timing);
    let deleteAfter = true;
    try {
      this.api.throwIfAborted();
      current = await this.waitForEnd(current);
      if (hasCondition(current, 'Complete')) return;
      throw await this.failure(current);
    } catch (err) {
      // Unreachable API: leave the Job for a retried attempt to adopt.
      if (err instanceof LostContact) deleteAfter = false;
      // Cancelled: run() deletes it and reports how that went.
      if (err instanceof Aborted || this.signal?.aborted) {
        deleteAfter = false;
        throw new Aborted();
      }
      throw err;
    } finally {
      this.follower.stop();
      if (deleteAfter) await this.api.deleteJob();
    }
  }

  // ---- waiting --------------------------------------------------------------

  private async waitForEnd(created: V1Job): Promise<V1Job> {
    const uid = created.metadata?.uid;
    const selector = podSelector(created);
    let current = created;
    for (;;) {
      if (isFinished(current)) {
        await this.follower.drain(this.timing.logDrainMs);
        return current;
      }
      if (selector !== undefined && this.follower.wantsPod()) await this.pods.watch(selector);
      await this.api.sleep(this.timing.pollIntervalMs);
      const next = await this.api.readJob();
      if (next === undefined || (uid !== undefined && next.metadata?.uid !== uid)) {
        throw new TrainerError('killed', `the training Job ${this.name} was deleted before it finished`, { job: this.name, namespace: this.ns });
      }
      current = next;
    }
  }

  // ---- outcome --------------------------------------------------------------

  private async failure(job: V1Job): Promise<DriftloopError> {
    const selector = podSelector(job);
    const pod = selector === undefined ? undefined : await this.pods.newest(selector);
    const podName = pod?.metadata?.name;
    let output = '';
    if (podName) {
      try {
        output = await this.api.retrying('read the trainer log', () =>
          this.api.core.readNamespacedPodLog({
            name: podName,
            namespace: this.ns,
            container: TRAINER_CONTAINER,
            tailLines: FAILURE_LOG_LINES,
          }),
        );
      } catch (err) {
        if (err instanceof Aborted) throw err;
        // The pod's log may be gone (node lost); fall back to what the pod status kept.
      }
    }
    const terminated = trainerTerminated(pod);
    if (!output.trim()) output = terminated?.message ?? '';
    if (!output.trim()) output = this.follower.tail();
    return describeFailure({
      job,
      pod,
      output: withoutProgress(output),
      lastPending: this.pods.lastPending,
    });
  }

  private cancelled(deleteError: string | undefined): TrainerError {
    return new TrainerError(
      'killed',
      deleteError === undefined
        ? `training was cancelled; the Kubernetes Job ${this.name} was deleted`
        : `training was cancelled, but deleting the Kubernetes Job ${this.name} failed (${deleteError}); its deadline and TTL will remove it`,
      { job: this.name, namespace: this.ns },
    );
  }
}
