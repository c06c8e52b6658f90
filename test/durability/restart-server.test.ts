import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { passWorkflowId, startPass } from '../../client/pass.js';
import { loadPipelineConfig } from '../../config/load.js';
import { writeExampleProject } from '../../demo/example.js';
import { freePort, startDevServer, type DevServer } from '../../devserver/dev-server.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { isAlive, trainerPids } from '../support/processes.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * The file-backed dev server `driftloop dev` runs (devserver/dev-server.ts:
 * `temporal server start-dev --db-filename …`) is stopped in the middle of a
 * pass — once politely (SIGTERM), once not (SIGKILL) — and started again on
 * the same database file and port. The pass must complete, and the worker
 * process, left running throughout, must carry on by itself.
 */

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

async function stopServer(server: DevServer, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  process.kill(server.pid, signal);
  while (isAlive(server.pid)) await sleep(20);
}

describe('restarting the file-backed dev server during a pass', () => {
  it('SIGTERM during a bootstrap pass and SIGKILL during a retrain pass: both passes complete, the same worker process reconnects', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-restart-'));
    cleanup.push(() => rm(home, { recursive: true, force: true }));
    const [port, uiPort] = [await freePort(), await freePort()];
    const serverOptions = { home: join(home, 'temporal'), port, uiPort, logFile: join(home, 'temporal-server.log') };
    let server = await startDevServer(serverOptions);
    cleanup.push(() => server.stop());

    const state = join(home, 'state');
    const taskQueue = `restart-${randomUUID()}`;
    const worker: WorkerProcess = await startWorkerProcess({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      DRIFTLOOP_TASK_QUEUE: taskQueue,
      DRIFTLOOP_HOME: state,
      DRIFTLOOP_DATABASE_URL: '',
    });
    cleanup.push(() => worker.kill());

    const model = `restart-${randomUUID().slice(0, 8)}`;
    const project = await writeExampleProject(join(home, 'project'), {
      model,
      rows: 20_000,
      overrides: {
        // The serving sandbox's latency budget is generous: the machine is busy with the other tests.
        sandbox: { requests: 20, latencyBudgetMs: 10_000 },
        trainer: {
          estimator: 'gradient_boosting',
          params: { n_estimators: 60, max_depth: 3 },
          seed: 7,
          validation: { policy: 'random', fraction: 0.2 },
          timeoutMinutes: 30,
          heartbeatSeconds: 10,
          retry: { maximumAttempts: 3, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 10 },
        },
      },
    });
    const steady = await loadPipelineConfig(project.steadyConfig);
    const drifted = await loadPipelineConfig(project.driftedConfig);
    const registry = await openSqliteRegistry(state);
    cleanup.push(() => registry.close());
    const figures: string[] = [];

    const connect = async () => {
      const connection = await Connection.connect({ address: server.address });
      return { connection, client: new Client({ connection, namespace: server.namespace }) };
    };

    for (const [pipeline, signal, decision] of [
      [steady, 'SIGTERM', 'bootstrapped'],
      [drifted, 'SIGKILL', 'promoted'],
    ] as const) {
      const before = await connect();
      const trainerRunning = new Promise<void>((resolve) =>
        worker.onActivity((e) => {
          if (e.event !== 'started' || e.activityType !== 'retrain' || e.workflowId !== passWorkflowId(model)) return;
          void (async () => {
            while ((await trainerPids(state)).length === 0) await sleep(20);
            resolve();
          })();
        }),
      );
      const handle = await startPass(before.client, pipeline, { taskQueue });
      const runId = handle.firstExecutionRunId;
      await trainerRunning;
      await before.connection.close();

      const down = Date.now();
      await stopServer(server, signal);
      server = await startDevServer(serverOptions);
      const downMs = Date.now() - down;

      const after = await connect();
      try {
        const summary = await after.client.workflow.getHandle(passWorkflowId(model), runId).result();
        const recoverMs = Date.now() - down;
        expect(summary.decision).toBe(decision);
        // Whether the training attempt in flight survived the outage or was retried (its heartbeat timeout is 10 s).
        const history = await after.client.workflow.getHandle(passWorkflowId(model), runId).fetchHistory();
        const attempts = (history.events ?? []).flatMap((ev) => (ev.activityTaskStartedEventAttributes ? [ev.activityTaskStartedEventAttributes.attempt ?? 0] : []));
        figures.push(`${signal}: server down ${(downMs / 1000).toFixed(1)} s, pass completed ${(recoverMs / 1000).toFixed(1)} s after the stop; activity attempts ${attempts.join(',')}`);
      } finally {
        await after.connection.close();
      }
      // The worker never stopped: the same process polled the restarted server.
      expect(worker.running()).toBe(true);
      // The pass registered exactly one version and moved champion once.
      const versions = await registry.listVersions(model);
      expect(versions.filter((v) => v.runId === runId)).toHaveLength(1);
      expect((await registry.aliasHistory(model, 'champion')).filter((m) => m.runId === runId)).toHaveLength(1);
    }
    expect((await registry.aliasHistory(model, 'champion')).map((m) => [m.fromVersion, m.toVersion])).toEqual([[null, 1], [1, 2]]);
    console.log(`restart-server:\n  ${figures.join('\n  ')}`);
  });
});
