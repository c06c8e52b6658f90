import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelIdentity } from './loaded-model.js';

/**
 * The serving process's Prometheus metrics. Each server owns its own
 * prom-client Registry (not the global one), so several servers in one
 * process — the tests — do not share or clash over counters.
 */
export class ServingMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'driftloop_serving_requests_total',
    help: 'HTTP requests by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'driftloop_serving_request_duration_seconds',
    help: 'HTTP request latency (headers received → response sent) by route pattern',
    labelNames: ['route', 'method'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'driftloop_serving_errors_total',
    help: 'Requests answered with an error, by route and kind (input, too_large, not_found, not_ready, internal, …)',
    labelNames: ['route', 'kind'] as const,
    registers: [this.registry],
  });

  readonly requestRows = new Histogram({
    name: 'driftloop_serving_request_rows',
    help: 'Rows per prediction request',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    registers: [this.registry],
  });

  readonly batchRows = new Histogram({
    name: 'driftloop_serving_batch_rows',
    help: 'Rows per model run (a micro-batch coalesces concurrent requests)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    registers: [this.registry],
  });

  readonly batchRequests = new Histogram({
    name: 'driftloop_serving_batch_requests',
    help: 'Requests per model run',
    buckets: [1, 2, 3, 4, 6, 8, 12, 16, 32, 64],
    registers: [this.registry],
  });

  readonly unknownCategories = new Counter({
    name: 'driftloop_serving_unknown_categories_total',
    help: 'Categorical values not seen in training (accepted; the model ignores them), by feature',
    labelNames: ['feature'] as const,
    registers: [this.registry],
  });

  readonly modelInfo = new Gauge({
    name: 'driftloop_serving_model_info',
    help: 'The model version being served (value 1; labels identify it)',
    labelNames: ['model', 'version', 'sha256', 'source'] as const,
    registers: [this.registry],
  });

  readonly swaps = new Counter({
    name: 'driftloop_serving_model_swaps_total',
    help: 'Hot promotions: times a new version replaced the served one',
    registers: [this.registry],
  });

  readonly reloadFailures = new Counter({
    name: 'driftloop_serving_model_reload_failures_total',
    help: 'Failed alias checks or loads of a new version (the old version kept serving)',
    registers: [this.registry],
  });

  readonly loggedRecords = new Counter({
    name: 'driftloop_serving_prediction_log_records_total',
    help: 'Prediction records written to the sink',
    registers: [this.registry],
  });

  readonly droppedRecords = new Counter({
    name: 'driftloop_serving_prediction_log_dropped_total',
    help: 'Prediction records dropped (sink failing repeatedly, or the buffer full)',
    registers: [this.registry],
  });

  readonly canaryShare = new Gauge({
    name: 'driftloop_serving_canary_share',
    help: 'The running canary: the share of requests routed to its version (absent when none runs)',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });

  readonly routed = new Counter({
    name: 'driftloop_serving_routed_requests_total',
    help: 'Prediction requests by the arm that served them (champion or canary)',
    labelNames: ['arm'] as const,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'driftloop_serving_' });
  }

  /** The canary now running (or null: none). */
  setCanary(model: string, canary: { version: string; share: number } | null): void {
    this.canaryShare.reset();
    if (canary) this.canaryShare.set({ model, version: canary.version }, canary.share);
  }

  setModel(identity: ModelIdentity, previous?: ModelIdentity): void {
    if (previous) this.modelInfo.remove(labels(previous));
    this.modelInfo.set(labels(identity), 1);
  }
}

function labels(id: ModelIdentity) {
  return { model: id.name, version: id.version, sha256: id.sha256, source: id.source };
}
