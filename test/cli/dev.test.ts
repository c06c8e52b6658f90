import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExampleProject } from '../../demo/example.js';
import { freePort } from '../../devserver/dev-server.js';

const BIN = fileURLToPath(new URL('../../bin/driftloop.js', import.meta.url));
const started: ChildProcessWithoutNullStreams[] = [];

/** Starts `driftloop dev` and resolves once it has printed its Web UI address. */
async function startDev(env: Record<string, string>, port: number, uiPort: number) {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', String(port), '--ui-port', String(uiPort)], {
    env: { ...process.env, ...env },
  });
  started.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`driftloop dev did not start:\n${out}`)), 90_000);
    child.stdout.on('data', () => {
      if (out.includes('Ctrl-C stops both')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`driftloop dev exited with ${code}:\n${out}`)));
  });
  return { child, output: () => out };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

afterAll(() => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('driftloop dev', () => {
  it('serves Temporal with the Web UI and ModelName registered, runs passes, stops on Ctrl-C, and keeps its history across restarts', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-dev-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    const env = { DRIFTLOOP_HOME: home, DRIFTLOOP_TASK_QUEUE: `dev-${randomUUID()}`, TEMPORAL_ADDRESS: `127.0.0.1:${port}` };

    const dev = await startDev(env, port, uiPort);
    expect(dev.output()).toContain(`Temporal Web UI:     http://127.0.0.1:${uiPort}/namespaces/default/workflows`);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);

    const conn = await Connection.connect({ address: `127.0.0.1:${port}` });
    const attrs = await conn.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(attrs.customAttributes?.ModelName).toBeDefined();

    const project = await writeExampleProject(join(home, 'example'), { model: 'devmodel' });
    const pass = await runCli(['run', project.steadyConfig, '--wait', '--json'], env);
    expect(pass.code).toBe(0);
    expect(JSON.parse(pass.stdout).decision).toBe('bootstrapped');
    await conn.close();

    dev.child.kill('SIGINT');
    expect(await exitOf(dev.child)).toBe(0);
    // The server went with it.
    await expect(Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1000 })).rejects.toThrow();

    // Restarted on the same home: the database kept the run.
    const again = await startDev(env, port, uiPort);
    const conn2 = await Connection.connect({ address: `127.0.0.1:${port}` });
    const described = await conn2.workflowService.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'retrain-devmodel' },
    });
    expect(described.workflowExecutionInfo?.status).toBe(2); // COMPLETED
    await conn2.close();
    again.child.kill('SIGINT');
    expect(await exitOf(again.child)).toBe(0);
    await rm(home, { recursive: true, force: true });
  });
});
