import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { githubReportingFromEnv } from '../activities/github-report.js';
import { openRegistry } from '../registry/open.js';
import { createDriftloopWorker } from './create-worker.js';
import { workerMetricsAddress } from './metrics-address.js';

export interface StartWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  home: string;
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped (after `stop()` or a fatal error). */
  done: Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * The SDK logs every worker state change at INFO; a CLI user wants warnings
 * and errors only, unless DRIFTLOOP_LOG_LEVEL asks for more.
 * DRIFTLOOP_WORKER_METRICS_ADDRESS (host:port) makes the SDK's core serve its
 * own metrics (temporal_*: pollers, task slots, schedule-to-start latency,
 * workflow/activity outcomes) for Prometheus at http://<address>/metrics;
 * unset, no port is opened.
 */
function installRuntime(): void {
  if (runtimeInstalled) return;
  // Validated before marking installed: a bad address stops this start, and a corrected one can still install.
  const metricsAddress = workerMetricsAddress(process.env);
  runtimeInstalled = true;
  const level = (process.env.DRIFTLOOP_LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level),
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
  });
}

/** Connects, opens the registry and starts polling; `stop()` drains and closes everything. */
export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  installRuntime();
  // Read before connecting: a malformed DRIFTLOOP_REPORT_BASE_URL stops the worker at start, not at a pass's report.
  const github = githubReportingFromEnv(process.env);
  const connection = await NativeConnection.connect({ address: opts.address });
  const registry = await openRegistry({ ...process.env, DRIFTLOOP_HOME: opts.home });
  const worker = await createDriftloopWorker({ ...opts, connection, registry, github });
  const done = worker.run().finally(async () => {
    await registry.close();
    await connection.close();
  });
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
