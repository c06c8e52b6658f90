import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { startPass, waitForPass } from '../../client/pass.js';
import type { GithubTrigger, PassTrigger } from '../../config/pipeline-run.js';
import { GithubClient } from '../../github/client.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import type { GithubReportState } from '../../workflows/github-reporting.js';
import type { PassSummary } from '../../workflows/summary.js';
import { exampleProject } from '../support/example.js';
import { GithubStandIn } from '../support/github-stand-in.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * workflows/github-reporting.ts inside a real workflow (a test-only bundle,
 * test/github/workflows/reporting-probe.ts) with the real reportToGitHub
 * activity and its real retry policy, against the GitHub stand-in.
 */

type ProbeResult = { enabled: boolean; states: (GithubReportState | null)[]; final: GithubReportState | null };

let h: Harness;
let gh: GithubStandIn;
let registry: SqlRegistry;
let home: string;
let worker: Worker;
let running: Promise<void>;
let nativeConnection: NativeConnection;
let connection: Connection;
let client: Client;
const taskQueue = `github-reporting-${randomUUID()}`;
let decided: PassSummary;

beforeAll(async () => {
  gh = await new GithubStandIn().start();
  // One real pass, for a real summary to report.
  h = await startHarness();
  const project = await exampleProject();
  decided = await waitForPass(await startPass(h.client, project.steady, { taskQueue: h.taskQueue }));
  home = await mkdtemp(join(tmpdir(), 'driftloop-ghprobe-'));
  registry = await openSqliteRegistry(home);
  nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await Worker.create({
    connection: nativeConnection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows/reporting-probe.ts', import.meta.url)),
    bundlerOptions: {
      webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } } }),
    },
    activities: createActivities({ registry, home, github: { client: new GithubClient({ token: 'test-token', baseUrl: gh.url }) } }),
  });
  running = worker.run();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
}, 180_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await nativeConnection?.close();
  await registry?.close();
  await h?.stop();
  await gh?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const trigger = (): GithubTrigger => ({ kind: 'github', repository: 'acme/models', sha: randomUUID().replace(/-/g, '').padEnd(40, 'a'), event: 'push', deliveryId: randomUUID() });
const started = (s: PassSummary): PassSummary => ({ ...s, stage: 'monitor', decision: null, stages: { ...s.stages, monitor: { status: 'running' } } });

async function probe(t: PassTrigger | undefined, summaries: PassSummary[]): Promise<{ result: ProbeResult; runId: string }> {
  const handle = await client.workflow.start('githubReportingProbe', { taskQueue, workflowId: `probe-${randomUUID()}`, args: [t, summaries] });
  return { result: (await handle.result()) as ProbeResult, runId: handle.firstExecutionRunId };
}

describe('createGithubReporter in a workflow', () => {
  it('creates the check run once and completes it on the last update', async () => {
    const t = trigger();
    const { result, runId } = await probe(t, [started(decided), decided]);
    const runs = gh.checkRunsOn(t.sha);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ external_id: runId, status: 'completed', conclusion: 'success' });
    expect(result).toEqual({ enabled: true, states: [{ status: 'reported', checkRunId: runs[0]!.id }, { status: 'reported', checkRunId: runs[0]!.id }], final: { status: 'reported', checkRunId: runs[0]!.id } });
  });

  it('retries GitHub 5xx answers with its policy and then succeeds', async () => {
    const t = trigger();
    gh.failNext(2, { kind: 'server-error', status: 503 });
    const before = gh.calls.length;
    const { result } = await probe(t, [decided]);
    expect(result.final).toMatchObject({ status: 'reported' });
    expect(gh.calls.slice(before).filter((c) => c.path.endsWith('/check-runs')).length).toBeGreaterThanOrEqual(3);
    expect(gh.checkRunsOn(t.sha)).toHaveLength(1);
  });

  it('a final failure is returned and kept, never thrown: the workflow completes; a 404 is not retried', async () => {
    const t = trigger();
    // Every attempt of the first update fails: GitHub down for longer than the policy's five attempts.
    gh.failNext(5, { kind: 'server-error', status: 502 });
    const { result } = await probe(t, [started(decided), decided]);
    expect(result.states[0]).toEqual({ status: 'failed', reason: expect.stringMatching(/GitHub failed listing check runs .*502/), checkRunId: null });
    // The next update tries again (finding nothing, it creates the run) and the state recovers.
    expect(result.final).toMatchObject({ status: 'reported' });
    expect(gh.checkRunsOn(t.sha)).toHaveLength(1);


    // A repository the token cannot see: GitHub answers 404, which no retry can fix.
    gh.hidden.add('acme/secret');
    const before = gh.calls.length;
    const { result: hidden } = await probe({ ...trigger(), repository: 'acme/secret' }, [started(decided), decided]);
    expect(hidden.states).toEqual([
      { status: 'failed', reason: expect.stringMatching(/^GitHub refused listing check runs on [0-9a-f]{40} \(404: Not Found\)$/), checkRunId: null },
      { status: 'failed', reason: expect.stringMatching(/404/), checkRunId: null },
    ]);
    expect(hidden.final).toEqual(hidden.states[1]);
    // One call per update: not retried.
    expect(gh.calls.slice(before).map((c) => c.path)).toEqual(['/repos/acme/secret/commits/' + gh.calls[before]!.path.split('/')[5] + '/check-runs', gh.calls[before]!.path]);
  });

  it('does nothing for a pass not triggered from GitHub', async () => {
    const before = gh.calls.length;
    for (const t of [undefined, { kind: 'manual' as const }, { kind: 'schedule' as const, scheduleId: 's' }]) {
      const { result } = await probe(t, [decided]);
      expect(result).toEqual({ enabled: false, states: [null], final: null });
    }
    expect(gh.calls.length).toBe(before);
  });
});
