import { Writable } from 'node:stream';
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  Log,
  type V1ContainerStatus,
  type V1Job,
  type V1JobCondition,
  type V1Pod,
} from '@kubernetes/client-node';
import { ConfigError, DriftloopError, TrainerError } from '../errors/index.js';
import { LABELS, TRAINER_CONTAINER } from './kubernetes-job.js';
import { TrainerProgress } from './request.js';
import { TRAINER_EXIT_CLASSES, trainerFailure } from './trainer-exit.js';

/**
 * Runs a training Job (training/kubernetes-job.ts) to its end: creates it (or
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

export interface KubernetesRunnerTiming {
  /** How often the Job (and, until its log is followed, its pod) is read. */
  pollIntervalMs: number;
  /** Longest a single API request may take before it counts as failed. */
  requestTimeoutMs: number;
  /** How long API requests may keep failing (network, 5xx, 429) before the run gives up. */
  apiFailureBudgetMs: number;
  /** How long the trainer image may fail to pull (ErrImagePull, ImagePullBackOff) before the run fails. */
  imagePullGraceMs: number;
  /** A followed log silent this long while the trainer runs is reconnected (the trainer prints a line every few seconds). */
  logStallMs: number;
  /** How long to wait, after the Job finished, for the followed log to deliver its last lines. */
  logDrainMs: number;
}

export const DEFAULT_TIMING: KubernetesRunnerTiming = {
  pollIntervalMs: 2_000,
  requestTimeoutMs: 30_000,
  apiFailureBudgetMs: 120_000,
  imagePullGraceMs: 300_000,
  logStallMs: 60_000,
  logDrainMs: 5_000,
};

/** Kubernetes client configuration: in-cluster when KUBERNETES_SERVICE_HOST is set, else the default kubeconfig. */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (err) {
    throw new ConfigError(`cannot load the Kubernetes client configuration: ${(err as Error).message}`, {}, { cause: err });
  }
  if (!kc.getCurrentCluster()) {
    throw new ConfigError('no Kubernetes cluster is configured (no in-cluster service account, KUBECONFIG or ~/.kube/config)');
  }
  return kc;
}

export async function runKubernetesTrainer(job: KubernetesTrainJob): Promise<void> {
  await new TrainingJobRun(job).run();
}

/** Container waiting reasons that no amount of waiting fixes. */
const PERMANENT_WAITING = new Set(['InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError']);
const IMAGE_PULL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff']);
/** Lines of the log tail read when a training failed (the error object is the trainer's last line). */
const FAILURE_LOG_LINES = 200;
const MAX_LINE_CHARS = 1024 * 1024;

class Aborted extends Error {}
class RequestTimeout extends Error {}

class TrainingJobRun {
  private readonly name: string;
  private readonly ns: string;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly timing: KubernetesRunnerTiming;
  private readonly follower: LogFollower;
  private readonly signal: AbortSignal | undefined;
  /** The pod waited on an image pull since this time (ms), if it still does. */
  private pullFailingSince: number | undefined;
  /** Why the pod was last seen not running yet, for the deadline message. */
  private lastPending: string | undefined;

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
    this.batch = job.kubeConfig.makeApiClient(BatchV1Api);
    this.core = job.kubeConfig.makeApiClient(CoreV1Api);
    this.follower = new LogFollower(new Log(job.kubeConfig), this.ns, (p) => job.onProgress?.(p), this.timing);
  }

  async run(): Promise<void> {
    try {
      await this.runJob();
    } catch (err) {
      if (err instanceof LostContact) {
        throw new TrainerError('internal_error', err.message, { job: this.name, namespace: this.ns });
      }
      if (err instanceof Aborted) throw this.cancelled(await this.deleteJob());
      throw err;
    }
  }

  private async runJob(): Promise<void> {
    // Cancelled before it started: a previous attempt's Job (if any) goes too (see run()).
    this.throwIfAborted();
    // Not raced with the cancellation signal: the Job must exist (or not) for
    // certain before it is deleted, or a late create would leave it behind.
    let current = await this.createOrAdopt();
    let deleteAfter = true;
    try {
      this.throwIfAborted();
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
      if (deleteAfter) await this.deleteJob();
    }
  }

  // ---- create / adopt -------------------------------------------------------

  private async createOrAdopt(): Promise<V1Job> {
    const wanted = this.job.manifest.metadata?.labels?.[LABELS.requestHash];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.retrying('create the training Job', () => this.batch.createNamespacedJob({ namespace: this.ns, body: this.job.manifest }), {
          raceAbort: false,
        });
      } catch (err) {
        if (!isApiStatus(err, 409)) throw this.apiFailure('create the training Job', err);
      }
      const existing = await this.readJob();
      if (existing === undefined) {
        if (attempt >= 5) throw new TrainerError('internal_error', `the training Job ${this.name} keeps appearing and disappearing; giving up`);
        continue; // deleted between our create and read: create again
      }
      const have = existing.metadata?.labels?.[LABELS.requestHash];
      if (wanted !== undefined && have !== wanted) {
        throw new ConfigError(
          `a Job named ${this.name} already exists in namespace ${this.ns} but was not created by driftloop for this training request (its ${LABELS.requestHash} label is ${JSON.stringify(have ?? null)})`,
          { job: this.name, namespace: this.ns },
        );
      }
      const deleting = existing.metadata?.deletionTimestamp !== undefined;
      if (!deleting && !hasCondition(existing, 'Failed')) return existing; // running or complete: adopt it
      // A failed Job of an earlier attempt is not reused: this attempt trains again.
      if (attempt >= 5) throw new TrainerError('internal_error', `the earlier training Job ${this.name} cannot be replaced; giving up`);
      if (!deleting) await this.deleteJob();
      await this.waitUntilGone(existing.metadata?.uid);
    }
  }

  private async waitUntilGone(uid: string | undefined): Promise<void> {
    const until = Date.now() + Math.max(this.timing.apiFailureBudgetMs, 60_000);
    for (;;) {
      const j = await this.readJob();
      if (j === undefined || (uid !== undefined && j.metadata?.uid !== uid)) return;
      if (Date.now() > until) throw new TrainerError('internal_error', `the earlier training Job ${this.name} is still being deleted; try again later`);
      await this.sleep(this.timing.pollIntervalMs);
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
      if (selector !== undefined && this.follower.wantsPod()) await this.watchPod(selector);
      await this.sleep(this.timing.pollIntervalMs);
      const next = await this.readJob();
      if (next === undefined || (uid !== undefined && next.metadata?.uid !== uid)) {
        throw new TrainerError('killed', `the training Job ${this.name} was deleted before it finished`, { job: this.name, namespace: this.ns });
      }
      current = next;
    }
  }

  /** Finds the Job's pod, starts following its log once the trainer runs, and fails fast on a pod that cannot start. */
  private async watchPod(selector: string): Promise<void> {
    const pod = await this.newestPod(selector);
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
    const context = { job: this.name, namespace: this.ns, pod: pod.metadata.name, reason: waiting?.reason };
    if (waiting?.reason && PERMANENT_WAITING.has(waiting.reason)) {
      throw new ConfigError(`the trainer container of Job ${this.name} cannot start: ${this.lastPending}`, context);
    }
    if (waiting?.reason && IMAGE_PULL_WAITING.has(waiting.reason)) {
      this.pullFailingSince ??= Date.now();
      if (Date.now() - this.pullFailingSince >= this.timing.imagePullGraceMs) {
        throw new TrainerError('internal_error', `the trainer image of Job ${this.name} cannot be pulled: ${this.lastPending}`, context);
      }
    } else {
      this.pullFailingSince = undefined;
    }
  }

  private async newestPod(selector: string): Promise<V1Pod | undefined> {
    let pods: V1Pod[];
    try {
      pods = (await this.retrying('list the training pods', () => this.core.listNamespacedPod({ namespace: this.ns, labelSelector: selector }))).items;
    } catch (err) {
      if (err instanceof Aborted || err instanceof LostContact) throw err;
      return undefined; // e.g. not allowed to list pods: no progress, no details, but the Job still tells the outcome
    }
    return pods
      .slice()
      .sort((a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp))[0];
  }

  // ---- outcome --------------------------------------------------------------

  private async failure(job: V1Job): Promise<DriftloopError> {
    const selector = podSelector(job);
    const pod = selector === undefined ? undefined : await this.newestPod(selector);
    const podName = pod?.metadata?.name;
    let output = '';
    if (podName) {
      try {
        output = await this.retrying('read the trainer log', () =>
          this.core.readNamespacedPodLog({
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
      lastPending: this.lastPending,
    });
  }

  // ---- API plumbing -----------------------------------------------------------

  private async readJob(): Promise<V1Job | undefined> {
    try {
      return await this.retrying('read the training Job', () => this.batch.readNamespacedJob({ name: this.name, namespace: this.ns }));
    } catch (err) {
      if (isApiStatus(err, 404)) return undefined;
      throw this.apiFailure('read the training Job', err);
    }
  }

  /** Deletes the Job and, in the background, its pod; returns why that failed, if it did (never throws). */
  private async deleteJob(): Promise<string | undefined> {
    try {
      await this.retrying(
        'delete the training Job',
        () => this.batch.deleteNamespacedJob({ name: this.name, namespace: this.ns, propagationPolicy: 'Background' }),
        { raceAbort: false, budgetMs: Math.min(this.timing.apiFailureBudgetMs, 30_000) },
      );
      return undefined;
    } catch (err) {
      if (isApiStatus(err, 404)) return undefined;
      // ttlSecondsAfterFinished (and activeDeadlineSeconds) remove it eventually.
      return describeApiError(err);
    }
  }

  /**
   * Calls the API, retrying transient failures (network, timeouts, 429, 5xx)
   * until they have lasted `budgetMs`; then throws LostContact. Other API
   * errors are thrown as they are.
   */
  private async retrying<T>(what: string, call: () => Promise<T>, opts: { raceAbort?: boolean; budgetMs?: number } = {}): Promise<T> {
    const raceAbort = opts.raceAbort ?? true;
    const budget = opts.budgetMs ?? this.timing.apiFailureBudgetMs;
    let firstFailure: number | undefined;
    let lastError: unknown;
    for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
      if (raceAbort) this.throwIfAborted();
      try {
        return await withTimeout(call(), this.timing.requestTimeoutMs, raceAbort ? this.signal : undefined);
      } catch (err) {
        if (err instanceof Aborted || !isTransient(err)) throw err;
        lastError = err;
      }
      firstFailure ??= Date.now();
      if (Date.now() - firstFailure >= budget) {
        throw new LostContact(
          `cannot ${what} ${this.name} in namespace ${this.ns}: the Kubernetes API kept failing for ${Math.round((Date.now() - firstFailure) / 1000)} s (${describeApiError(lastError)}); the Job, if it exists, is left for a retried attempt to adopt`,
        );
      }
      if (raceAbort) await this.sleep(delay);
      else await new Promise((r) => setTimeout(r, delay));
    }
  }

  private apiFailure(what: string, err: unknown): unknown {
    if (err instanceof Aborted || err instanceof LostContact || err instanceof DriftloopError) return err;
    const context = { job: this.name, namespace: this.ns, status: err instanceof ApiException ? err.code : undefined };
    const detail = describeApiError(err);
    if (err instanceof ApiException && [400, 403, 404, 422].includes(err.code)) {
      const hint =
        err.code === 403
          ? ' (the worker\'s Kubernetes identity lacks the permission)'
          : err.code === 404
            ? ` (does namespace "${this.ns}" exist?)`
            : '';
      return new ConfigError(`cannot ${what} ${this.name} in namespace ${this.ns}: ${detail}${hint}`, context);
    }
    return new TrainerError('internal_error', `cannot ${what} ${this.name} in namespace ${this.ns}: ${detail}`, context);
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

  private throwIfAborted(): void {
    if (this.signal?.aborted) throw new Aborted();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.signal?.aborted) return reject(new Aborted());
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Aborted());
      };
      const timer = setTimeout(() => {
        this.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The Kubernetes API stayed unreachable: the Job is left alone for a retry to adopt. */
class LostContact extends Error {}

// ---- following the log ------------------------------------------------------

/**
 * Follows the trainer container's log (stdout and stderr, merged by
 * Kubernetes) and hands its progress lines to `onProgress`. Lines are read
 * with timestamps so that a reconnect (the stream closed or went silent while
 * the trainer still runs) resumes where it stopped instead of repeating.
 */
class LogFollower {
  private pod: string | undefined;
  private active = false;
  /** The current stream of `pod` ended after its container had terminated: nothing more to read. */
  private finished = false;
  private controller: AbortController | undefined;
  private generation = 0;
  private lastKey: string | undefined;
  private lastSecond: string | undefined;
  private lastData = 0;
  private partial = '';
  private readonly tailLines: string[] = [];
  private endWaiters: Array<() => void> = [];

  constructor(
    private readonly log: Log,
    private readonly ns: string,
    private readonly onProgress: (p: TrainerProgress) => void,
    private readonly timing: KubernetesRunnerTiming,
  ) {}

  /** Whether the runner should look at the pod (to start or restart following it). */
  wantsPod(): boolean {
    if (this.finished) return false;
    if (this.active && Date.now() - this.lastData > this.timing.logStallMs) this.abortStream();
    return !this.active;
  }

  /** Follows `pod`'s trainer log (no-op while a stream is open). `terminated`: its container has already exited. */
  follow(pod: string, terminated: boolean): void {
    if (this.active) return;
    if (this.pod !== pod) {
      this.pod = pod;
      this.lastKey = undefined;
      this.lastSecond = undefined;
      this.finished = false;
    }
    this.active = true;
    this.lastData = Date.now();
    this.partial = '';
    const generation = ++this.generation;
    const ended = () => {
      if (generation !== this.generation || !this.active) return;
      this.flushPartial();
      this.active = false;
      this.controller = undefined;
      // A stream that ended after the container had exited delivered everything.
      if (terminated) this.finished = true;
      for (const w of this.endWaiters.splice(0)) w();
    };
    const sink = new Writable({
      write: (chunk: Buffer | string, _enc, cb) => {
        if (generation === this.generation) {
          this.lastData = Date.now();
          this.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        }
        cb();
      },
      final: (cb) => {
        ended();
        cb();
      },
    });
    // node-fetch emits 'error' on the response body when it is aborted or the
    // connection breaks; pipe() does not forward it, so catch it here.
    sink.on('pipe', (src: NodeJS.ReadableStream) => src.on('error', ended));
    sink.on('error', ended);
    sink.on('close', ended);
    this.log
      .log(this.ns, pod, TRAINER_CONTAINER, sink, {
        follow: true,
        timestamps: true,
        ...(this.lastSecond ? { sinceTime: this.lastSecond } : {}),
      })
      .then(
        (controller) => {
          if (generation === this.generation && this.active) this.controller = controller;
          else controller.abort();
        },
        ended,
      );
  }

  /** Waits (at most `ms`) for the open stream to deliver its end, then closes it. */
  async drain(ms: number): Promise<void> {
    if (this.active) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.endWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.stop();
  }

  stop(): void {
    this.finished = true;
    this.abortStream();
  }

  /** The last lines that were not progress (for a failure message when nothing better is left). */
  tail(): string {
    return this.tailLines.join('\n');
  }

  private abortStream(): void {
    const controller = this.controller;
    this.generation++;
    this.active = false;
    this.controller = undefined;
    for (const w of this.endWaiters.splice(0)) w();
    try {
      controller?.abort();
    } catch {
      // already closed
    }
  }

  private feed(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = (lines.pop() ?? '').slice(-MAX_LINE_CHARS);
    for (const line of lines) this.line(line);
  }

  private flushPartial(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (!line) return;
    const space = line.indexOf(' ');
    const ts = space > 0 ? timestampKey(line.slice(0, space)) : undefined;
    let content = line;
    if (ts) {
      // Lines up to the last one seen were delivered before a reconnect.
      if (this.lastKey !== undefined && ts.key <= this.lastKey) return;
      this.lastKey = ts.key;
      this.lastSecond = ts.second;
      content = line.slice(space + 1);
    }
    const progress = parseProgress(content);
    if (progress) {
      try {
        this.onProgress(progress);
      } catch {
        // a failing progress consumer must not break the log stream
      }
      return;
    }
    if (content.trim()) {
      this.tailLines.push(content.slice(0, 64 * 1024));
      if (this.tailLines.length > 50) this.tailLines.shift();
    }
  }
}

/** A comparable key and the whole-second RFC 3339 time of a log timestamp (`2024-05-01T12:00:00.123456789Z`). */
function timestampKey(ts: string): { key: string; second: string } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (!m) return undefined;
  return { key: `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}`, second: `${m[1]}Z` };
}

function parseProgress(line: string): TrainerProgress | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = TrainerProgress.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The trainer's output without its progress/event lines (they precede the error object in the merged log). */
function withoutProgress(output: string): string {
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

// ---- judging a failed Job -------------------------------------------------------

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

// ---- small helpers --------------------------------------------------------------

function condition(job: V1Job, type: 'Complete' | 'Failed'): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

function hasCondition(job: V1Job, type: 'Complete' | 'Failed'): boolean {
  return condition(job, type) !== undefined;
}

function isFinished(job: V1Job): boolean {
  return hasCondition(job, 'Complete') || hasCondition(job, 'Failed');
}

/** The label selector of the Job's pods, from the selector the API server generated for it. */
function podSelector(job: V1Job): string | undefined {
  const labels = job.spec?.selector?.matchLabels;
  if (labels && Object.keys(labels).length > 0) {
    return Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  return job.metadata?.uid ? `batch.kubernetes.io/controller-uid=${job.metadata.uid}` : undefined;
}

function trainerStatus(pod: V1Pod | undefined): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find((c) => c.name === TRAINER_CONTAINER);
}

function trainerTerminated(pod: V1Pod | undefined) {
  const s = trainerStatus(pod);
  return s?.state?.terminated ?? s?.lastState?.terminated;
}

function time(d: Date | string | undefined): number {
  if (d === undefined) return 0;
  const t = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isFinite(t) ? t : 0;
}

function isApiStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

function isTransient(err: unknown): boolean {
  if (err instanceof RequestTimeout) return true;
  if (err instanceof ApiException) return err.code === 429 || err.code >= 500;
  if (err instanceof DriftloopError) return false;
  // node-fetch FetchError (connection refused/reset, DNS) and other transport failures
  return err instanceof Error;
}

/** The API server's Status message of an ApiException, or the error's own message. */
function describeApiError(err: unknown): string {
  if (err instanceof ApiException) {
    let message: string | undefined;
    const body: unknown = err.body;
    try {
      const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown } | undefined;
      if (status && typeof status.message === 'string') message = status.message;
    } catch {
      // not a Status object
    }
    return `HTTP ${err.code}${message ? `: ${message}` : ''}`;
  }
  if (err instanceof RequestTimeout) return 'request timed out';
  return err instanceof Error ? err.message : String(err);
}

function withTimeout<T>(promise: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(new Aborted());
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new RequestTimeout());
    }, ms);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e);
      },
    );
  });
}
