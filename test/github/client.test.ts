import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GithubClient, githubClientOptions } from '../../github/client.js';
import { GithubStandIn } from '../support/github-stand-in.js';

/** What octokit throws for a non-2xx answer (its RequestError, named HttpError). */
type HttpError = { status: number; response?: { headers: Record<string, string> } };

const repo = { owner: 'acme', repo: 'models' };
let gh: GithubStandIn;
let client: GithubClient;

beforeAll(async () => {
  gh = await new GithubStandIn().start();
  client = new GithubClient({ token: 'test-token', baseUrl: gh.url });
});
afterAll(async () => gh.stop());

describe('GithubClient against the GitHub stand-in', () => {
  it('reads a collaborator permission, "none" for strangers, sending the token', async () => {
    gh.permissions.set('alice', 'write');
    expect(await client.permissionOf('acme', 'models', 'alice')).toBe('write');
    expect(await client.permissionOf('acme', 'models', 'mallory')).toBe('none');
    const call = gh.calls.at(-2)!;
    expect(call).toMatchObject({ method: 'GET', path: '/repos/acme/models/collaborators/alice/permission' });
    expect(call.authorization).toBe('token test-token');
  });

  it('creates and completes a check run', async () => {
    const run = await client.createCheckRun(repo, { name: 'driftloop', headSha: 'a'.repeat(40), status: 'in_progress' });
    expect(run.id).toBeGreaterThan(0);
    const done = await client.updateCheckRun(repo, run.id, { conclusion: 'success', output: { title: 'promoted', summary: 'v2 beat v1' } });
    expect(done).toEqual({ id: run.id, status: 'completed', conclusion: 'success', htmlUrl: `https://github.com/acme/models/runs/${run.id}` });
    expect(gh.calls.at(-1)).toMatchObject({ method: 'PATCH', path: `/repos/acme/models/check-runs/${run.id}`, body: { conclusion: 'success' } });
  });

  it('comments on an issue', async () => {
    const c = await client.createIssueComment(repo, 7, 'pass started');
    expect(c.htmlUrl).toContain('/issues/7#issuecomment-');
    expect(gh.calls.at(-1)).toMatchObject({ method: 'POST', path: '/repos/acme/models/issues/7/comments', body: { body: 'pass started' } });
  });

  it('creates a deployment and its status', async () => {
    const d = await client.createDeployment(repo, { ref: 'main', environment: 'churn', description: 'churn v2' });
    const s = await client.createDeploymentStatus(repo, d.id, { state: 'success' });
    expect(s.state).toBe('success');
    expect(gh.calls.at(-2)).toMatchObject({ path: '/repos/acme/models/deployments', body: { ref: 'main', environment: 'churn', auto_merge: false } });
    expect(gh.calls.at(-1)).toMatchObject({ path: `/repos/acme/models/deployments/${d.id}/statuses`, body: { state: 'success' } });
  });

  it('finds a comment by its marker on a later page (GitHub\'s Link pagination) and reads branch and PR heads', async () => {
    for (let i = 0; i < 105; i++) await client.createIssueComment(repo, 77, i === 103 ? 'done <!-- mark-77 -->' : `comment ${i}`);
    const mark = gh.calls.length;
    const found = await client.findIssueComment(repo, 77, '<!-- mark-77 -->');
    expect(found?.htmlUrl).toContain('/issues/77#issuecomment-');
    expect(gh.calls.slice(mark).map((c) => c.path)).toEqual(['/repos/acme/models/issues/77/comments', '/repos/acme/models/issues/77/comments']);
    expect(await client.findIssueComment(repo, 77, '<!-- absent -->')).toBeNull();
    gh.setBranch('acme/models', 'release/1', 'a'.repeat(40));
    expect(await client.branchHeadSha(repo, 'release/1')).toBe('a'.repeat(40));
    gh.setPull('acme/models', 5, 'b'.repeat(40));
    expect(await client.pullHeadSha(repo, 5)).toBe('b'.repeat(40));
    expect(await client.branchHeadSha(repo, 'nope').catch((e: { status: number }) => e.status)).toBe(404);
  });

  it('surfaces a rate limit and a 5xx as octokit RequestErrors (the caller retries)', async () => {
    gh.failNext(1, { kind: 'rate-limit', retryAfterSeconds: 30 });
    const err = await client.permissionOf('acme', 'models', 'alice').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HttpError', status: 403 });
    expect((err as HttpError).status).toBe(403);
    expect((err as HttpError).response?.headers['x-ratelimit-remaining']).toBe('0');
    gh.failNext(1, { kind: 'server-error', status: 503 });
    expect(((await client.permissionOf('acme', 'models', 'alice').catch((e: unknown) => e)) as HttpError).status).toBe(503);
    expect(await client.permissionOf('acme', 'models', 'alice')).toBe('write');
  });

  it('the stand-in answers 401 in GitHub\'s shape without a token', async () => {
    const res = await fetch(`${gh.url}/repos/acme/models/collaborators/alice/permission`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Requires authentication', documentation_url: expect.any(String) });
  });

  it('needs DRIFTLOOP_GITHUB_TOKEN', () => {
    expect(() => githubClientOptions({})).toThrow(/DRIFTLOOP_GITHUB_TOKEN is not set/);
    expect(githubClientOptions({ DRIFTLOOP_GITHUB_TOKEN: 't' }).baseUrl).toBe('https://api.github.com');
  });
});
