import { ConfigError } from '../errors/index.js';

/** The environment variable that turns the worker's Prometheus endpoint on. */
export const WORKER_METRICS_ENV = 'DRIFTLOOP_WORKER_METRICS_ADDRESS';

/** host:port, or [ipv6]:port. The host is required: "0.0.0.0" to listen on every interface. */
const ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/;

/**
 * Where the Temporal SDK's Prometheus exporter listens (`/metrics`), from
 * DRIFTLOOP_WORKER_METRICS_ADDRESS; undefined (no exporter) when it is unset
 * or empty. Checked here, at start, because the SDK's core only reports a bad
 * address as a panic message once the runtime is already half up.
 */
export function workerMetricsAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[WORKER_METRICS_ENV]?.trim();
  if (!raw) return undefined;
  const match = ADDRESS.exec(raw);
  const port = match ? Number(match[1]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError(`${WORKER_METRICS_ENV} must be host:port (e.g. 0.0.0.0:9464), not ${JSON.stringify(raw)}`, {
      field: WORKER_METRICS_ENV,
    });
  }
  return raw;
}
