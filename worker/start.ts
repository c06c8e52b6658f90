import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { githubReportingFromEnv } from '../activities/github-report.js';
import { createLogger, logLevelFromEnv, type Logger } from '../logging/logger.js';
import { coreLevel, PinoTemporalLogger } from '../logging/temporal-logger.js';
import { nativeConnectionOptions } from '../client/temporal.js';
import type { TlsSettings } from '../client/settings.js';
import { openRegistry } from '../registry/open.js';
import { createDriftloopWorker } from './create-worker.js';
import { workerMetricsAddress } from './metrics-address.js';

export interface StartWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  home: string;
  /** Where the SDK's, the activities' and the core's log lines go (default: a "worker" JSON logger on stderr, logging/logger.ts). */
  logger?: Logger;
  /** Temporal Cloud or a TLS-secured cluster: see docs/cli.md (absent: plain TCP, no key). */
  tls?: TlsSettings | null;
  apiKey?: string | null;
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped (after `stop()` or a fatal error). */
  done: Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Every log line of the process — the SDK's (worker state at INFO, each
 * activity's start and completion at DEBUG), the activity and workflow
 * context loggers' — goes through one pino logger as JSON, at
 * DRIFTLOOP_LOG_LEVEL (default info), scrubbed of secrets. The native core
 * writes its own warnings and errors (JSON, on stdout).
 * DRIFTLOOP_WORKER_METRICS_ADDRESS (host:port) makes the SDK's core serve its
 * own metrics (temporal_*: pollers, task slots, schedule-to-start latency,
 * workflow/activity outcomes) for Prometheus at http://<address>/metrics;
 * unset, no port is opened.
 */
function installRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  // Validated before marking installed: a bad address stops this start, and a corrected one can still install.
  const metricsAddress = workerMetricsAddress(process.env);
  runtimeInstalled = true;
  Runtime.install({
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      // The native core prints its own lines, as JSON, on stdout: warnings and errors only (connection trouble),
      // so that stdout stays the commands' output. Not forwarded through pino: forwarding holds every SDK line
      // ~100-200 ms to sort the two sources, and test/durability must see an activity start as it happens.
      logging: { filter: { core: coreLevel(logLevelFromEnv()), other: 'ERROR' }, console: { format: 'json' } },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });
}

/** Connects, opens the registry and starts polling; `stop()` drains and closes everything. */
export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  installRuntime(opts.logger ?? createLogger({ name: 'worker' }));
  // Read before connecting: a malformed DRIFTLOOP_REPORT_BASE_URL stops the worker at start, not at a pass's report.
  const github = githubReportingFromEnv(process.env);
  // TLS (client certificate, CA, server name) and the API key as the CLI resolved them (client/settings.ts).
  const connection = await NativeConnection.connect(nativeConnectionOptions(opts));
  const registry = await openRegistry({ ...process.env, DRIFTLOOP_HOME: opts.home });
  const worker = await createDriftloopWorker({ ...opts, connection, registry, github, activityLog: true });
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
