import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { GithubReporting } from '../../activities/shared.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { createDriftloopWorker } from '../../worker/create-worker.js';

/**
 * A real worker on the shared test server, with its own task queue and its
 * own driftloop home (registry, blobs, runs) in a temporary directory.
 */
export interface Harness {
  client: Client;
  registry: SqlRegistry;
  home: string;
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

export async function startHarness(opts: { github?: GithubReporting } = {}): Promise<Harness> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const home = await mkdtemp(join(tmpdir(), 'driftloop-test-'));
  const taskQueue = `test-${randomUUID()}`;
  const registry = await openSqliteRegistry(home);
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createDriftloopWorker({
    connection: nativeConnection,
    namespace,
    taskQueue,
    registry,
    home,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    ...(opts.github ? { github: opts.github } : {}),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  return {
    client,
    registry,
    home,
    taskQueue,
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
      await registry.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
