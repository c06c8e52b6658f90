import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DRIFTLOOP_BIN, driftloop } from '../support/cli.js';
import { dashboardMetricNames, prometheusScrapeTargets } from './assets.js';

/**
 * `driftloop worker` with DRIFTLOOP_WORKER_METRICS_ADDRESS set serves the
 * Temporal SDK's metrics for Prometheus. A real worker process (the installed
 * CLI) on the test dev server, a free loopback port, a scrape — and the
 * Grafana dashboard's temporal_* queries checked against what was scraped.
 */

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Metric family names in a Prometheus text exposition (histogram series folded into their family). */
function families(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) /.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

describe('worker metrics (DRIFTLOOP_WORKER_METRICS_ADDRESS)', () => {
  const taskQueue = `deploy-metrics-${process.pid}-${Date.now()}`;
  const home = mkdtempSync(join(tmpdir(), 'driftloop-deploy-metrics-'));
  const env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    DRIFTLOOP_TASK_QUEUE: taskQueue,
    DRIFTLOOP_HOME: home,
  };
  let worker: ChildProcess | undefined;
  let output = '';
  let url = '';
  let scraped = new Set<string>();
  let exposition = '';

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    // The installed CLI, as an operator (or the container's ENTRYPOINT) runs it.
    worker = spawn(process.execPath, [DRIFTLOOP_BIN, 'worker'], {
      env: { ...process.env, ...env, DRIFTLOOP_WORKER_METRICS_ADDRESS: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // Up when its exporter answers and shows the worker's pollers (the core registers them once polling starts).
    const upBy = Date.now() + 90_000;
    for (;;) {
      if (worker.exitCode !== null) throw new Error(`driftloop worker exited with ${worker.exitCode}:\n${output}`);
      const text = await fetch(url).then((r) => r.text(), () => '');
      if (text.includes('temporal_num_pollers')) break;
      if (Date.now() > upBy) throw new Error(`the worker's metrics endpoint did not come up within 90 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    // One workflow through the worker, so that workflow-task and outcome metrics exist:
    // a pass with an invalid input fails at its first workflow task, without any activity.
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
      const handle = await client.workflow.start('retrainPipeline', { taskQueue, workflowId: `${taskQueue}-invalid`, args: [{ pipeline: {} }] });
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    } finally {
      await connection.close();
    }

    // Core updates some gauges on its own schedule: scrape until the families the dashboard needs are there (or 20 s).
    const wanted = [...dashboardMetricNames()].filter((n) => n.startsWith('temporal_'));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      exposition = await res.text();
      scraped = families(exposition);
      if (wanted.every((n) => scraped.has(n)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('serves the SDK metrics in the Prometheus text format, with the worker\'s task queue', () => {
    expect(scraped.has('temporal_num_pollers')).toBe(true);
    expect(scraped.has('temporal_worker_task_slots_available')).toBe(true);
    expect(exposition).toContain(`task_queue="${taskQueue}"`);
    // The failed pass went through this worker.
    expect(scraped.has('temporal_workflow_failed')).toBe(true);
    expect(exposition).toMatch(new RegExp(`temporal_workflow_failed\\{[^}]*workflow_type="retrainPipeline"[^}]*\\} 1`));
  });

  it('has every temporal_* metric the Grafana dashboard queries', () => {
    const used = [...dashboardMetricNames()].filter((n) => n.startsWith('temporal_'));
    expect(used.length).toBeGreaterThanOrEqual(5);
    expect(used.filter((n) => !scraped.has(n))).toEqual([]);
  });

  it('is the port the Prometheus config scrapes for the worker job', () => {
    // The manifests and compose set DRIFTLOOP_WORKER_METRICS_ADDRESS=0.0.0.0:9464; Prometheus scrapes :9464.
    const targets = prometheusScrapeTargets();
    expect(targets.get('driftloop-worker')).toBe('9464');
  });

  it('rejects a malformed address at start with a one-line error naming the variable', async () => {
    const r = await driftloop(['worker'], { ...env, DRIFTLOOP_WORKER_METRICS_ADDRESS: 'nine-four-six-four' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('DRIFTLOOP_WORKER_METRICS_ADDRESS must be host:port');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
