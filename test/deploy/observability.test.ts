import { describe, expect, it } from 'vitest';
import { ServingMetrics } from '../../serving/metrics.js';
import { dashboardExpressions, dashboardMetricNames, readDeploy, yamlFile } from './assets.js';

/**
 * The Prometheus configs and the Grafana dashboard, parsed, their metric
 * names checked against what serving/metrics.ts really registers. (The
 * temporal_* names are checked against a real worker's scrape in
 * worker-metrics.test.ts.)
 */

type Obj = Record<string, any>;

/** Family names and types the serving process exports, from a real ServingMetrics registry. */
async function servingFamilies(): Promise<Map<string, string>> {
  const metrics = new ServingMetrics();
  return new Map((await metrics.registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
}

describe('Prometheus and Grafana assets', () => {
  it('prometheus.yml and prometheus-kubernetes.yml parse and scrape /metrics for serving and the worker', () => {
    for (const file of ['prometheus/prometheus.yml', 'prometheus/prometheus-kubernetes.yml']) {
      const config = yamlFile(file) as Obj;
      expect(config.global.scrape_interval, file).toMatch(/^\d+s$/);
      const jobs = config.scrape_configs.map((s: Obj) => s.job_name);
      expect(jobs, file).toEqual(expect.arrayContaining(['driftloop-serving', 'driftloop-worker']));
      for (const s of config.scrape_configs) expect(s.metrics_path, `${file} ${s.job_name}`).toBe('/metrics');
    }
  });

  it('every driftloop_ metric the dashboard queries is one the serving process registers, with suffixes that fit its type', async () => {
    const families = await servingFamilies();
    const used = [...dashboardMetricNames()].filter((n) => n.startsWith('driftloop_'));
    expect(used.filter((n) => !families.has(n))).toEqual([]);
    for (const expr of dashboardExpressions()) {
      for (const m of expr.matchAll(/\b(driftloop_[a-z0-9_]+?)(_bucket|_sum|_count)?\b/g)) {
        const [, name, suffix] = m;
        const family = families.has(m[0]) ? m[0] : name!;
        const type = families.get(family);
        if (suffix && !families.has(m[0])) expect(type, `${m[0]} in ${expr}`).toBe('histogram');
        // rate()/increase() only make sense on counters and histogram series; quantiles only on buckets.
        if (/histogram_quantile/.test(expr) && expr.includes(m[0])) expect(suffix, expr).toBe('_bucket');
        if (type === 'gauge') expect(expr, `${family} is a gauge`).not.toMatch(new RegExp(`(rate|increase)\\(${family}\\b`));
      }
    }
  });

  it('has panels for request rate, latency, errors, canary share, routed requests, batch sizes and the worker', () => {
    const names = dashboardMetricNames();
    for (const name of [
      'driftloop_serving_requests_total',
      'driftloop_serving_request_duration_seconds',
      'driftloop_serving_errors_total',
      'driftloop_serving_canary_share',
      'driftloop_serving_routed_requests_total',
      'driftloop_serving_batch_rows',
      'driftloop_serving_batch_requests',
      'driftloop_serving_model_info',
      'temporal_workflow_failed',
      'temporal_worker_task_slots_used',
      'temporal_workflow_task_schedule_to_start_latency',
    ]) {
      expect(names, name).toContain(name);
    }
    const dashboard = JSON.parse(readDeploy('grafana/driftloop-dashboard.json')) as Obj;
    expect(dashboard.uid).toBe('driftloop');
    const ids = dashboard.panels.map((p: Obj) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels.filter((p: Obj) => p.type !== 'row')) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.expr, p.title).toMatch(/\b(driftloop|temporal)_/);
    }
  });

  it('the name check catches a metric the serving process does not have', async () => {
    const families = await servingFamilies();
    expect(families.has('driftloop_serving_requests_total')).toBe(true);
    expect(families.has('driftloop_serving_request_total')).toBe(false);
  });
});
