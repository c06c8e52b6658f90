import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPipelineConfig } from '../config/load.js';
import { connectClient } from '../client/temporal.js';
import { startPass, waitForPass } from '../client/pass.js';
import { freePort, startDevServer } from '../devserver/dev-server.js';
import { startWorker } from '../worker/start.js';
import type { PassSummary } from '../workflows/summary.js';
import { writeExampleProject } from './example.js';

export interface DemoOptions {
  home: string;
  log: (line: string) => void;
  onPass: (title: string, summary: PassSummary) => void;
}

/**
 * The main job, end to end on this machine: a file-backed Temporal dev
 * server, a worker, and three passes of the loop on the example project —
 * the first version (bootstrap), a steady week (no drift), a drifted week
 * (drift → retrain → evaluate → promotion).
 */
export async function runDemo({ home, log, onPass }: DemoOptions): Promise<{ uiUrl: string; summaries: PassSummary[] }> {
  const demoHome = join(home, 'demo');
  // Each demo starts from an empty registry so its story is always the same;
  // the Temporal database (and so the run history in the Web UI) is kept.
  await rm(demoHome, { recursive: true, force: true });
  const example = await writeExampleProject(join(demoHome, 'example'));
  log(`example data and pipeline configs written to ${example.dir}`);

  const port = await portOr(7233);
  const uiPort = await portOr(8233);
  const server = await startDevServer({ home: join(home, 'temporal'), port, uiPort });
  log(`Temporal dev server on ${server.address}; Web UI ${server.uiUrl}/namespaces/${server.namespace}/workflows`);
  const taskQueue = 'driftloop-demo';
  let worker;
  const summaries: PassSummary[] = [];
  try {
    log('bundling workflows and starting a worker…');
    worker = await startWorker({ address: server.address, namespace: server.namespace, taskQueue, home: demoHome });
    const client = await connectClient({ address: server.address, namespace: server.namespace, taskQueue });
    try {
      const passes: [string, string][] = [
        ['pass 1 — no model yet: train and promote the first version', example.steadyConfig],
        ['pass 2 — a steady week of data', example.steadyConfig],
        ['pass 3 — a drifted week (prices up, churn drivers changed)', example.driftedConfig],
      ];
      for (const [title, config] of passes) {
        const handle = await startPass(client, await loadPipelineConfig(config), { taskQueue });
        const summary = await waitForPass(handle);
        summaries.push(summary);
        onPass(title, summary);
      }
    } finally {
      await client.connection.close();
    }
  } finally {
    await worker?.stop();
    await server.stop();
  }
  return { uiUrl: server.uiUrl, summaries };
}

/** The conventional port when it is free (so the Web UI address is the familiar one), any free port otherwise. */
async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => void freePort().then(resolve));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(preferred)));
  });
}
