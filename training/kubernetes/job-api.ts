import { ApiException, BatchV1Api, CoreV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { ConfigError, DriftloopError, TrainerError } from '../../errors/index.js';
import { Aborted, describeApiError, isApiStatus, isTransient, LostContact, RequestTimeout } from './api-errors.js';
import type { KubernetesRunnerTiming } from './timing.js';

/**
 * The Kubernetes API calls of one training Job run, for the Job `name` in
 * namespace `ns`: every call has a timeout, transient failures are retried
 * within a budget, and waits give way to cancellation (`signal`).
 */
export class JobApi {
  readonly batch: BatchV1Api;
  readonly core: CoreV1Api;

  constructor(
    readonly name: string,
    readonly ns: string,
    kubeConfig: KubeConfig,
    private readonly timing: KubernetesRunnerTiming,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async readJob(): Promise<V1Job | undefined> {
    try {
      return await this.retrying('read the training Job', () => this.batch.readNamespacedJob({ name: this.name, namespace: this.ns }));
    } catch (err) {
      if (isApiStatus(err, 404)) return undefined;
      throw this.apiFailure('read the training Job', err);
    }
  }

  /** Deletes the Job and, in the background, its pod; returns why that failed, if it did (never throws). */
  async deleteJob(): Promise<string | undefined> {
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
  async retrying<T>(what: string, call: () => Promise<T>, opts: { raceAbort?: boolean; budgetMs?: number } = {}): Promise<T> {
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

  apiFailure(what: string, err: unknown): unknown {
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

  throwIfAborted(): void {
    if (this.signal?.aborted) throw new Aborted();
  }

  sleep(ms: number): Promise<void> {
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
