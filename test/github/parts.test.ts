import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerGithub } from '../../client/commands/github.js';
import { PipelineConfig } from '../../config/pipeline.js';
import { githubApiError } from '../../github/api-errors.js';
import { DeliveryLog } from '../../github/deliveries.js';
import { matchesAny } from '../../github/glob.js';
import { loadPipelineDir } from '../../github/pipelines.js';
import { exampleProject } from '../support/example.js';

describe('github.paths globs', () => {
  it('** spans segments, * and ? stay within one, the rest is literal', () => {
    expect(matchesAny('models/churn/a/b.py', ['models/churn/**'])).toBe(true);
    expect(matchesAny('models/churn/b.py', ['models/**/b.py'])).toBe(true);
    expect(matchesAny('models/churn/x/b.py', ['models/*/b.py'])).toBe(false);
    expect(matchesAny('models/churn.yaml', ['models/churn.yaml'])).toBe(true);
    expect(matchesAny('models/churnXyaml', ['models/churn.yaml'])).toBe(false);
    expect(matchesAny('train.py', ['./train.py'])).toBe(true);
    expect(matchesAny('a/train1.py', ['a/train?.py'])).toBe(true);
  });
});

describe('the github: config section', () => {
  it('names the field that is wrong', async () => {
    const { steady } = await exampleProject();
    const bad = PipelineConfig.safeParse({ ...steady, github: { repository: 'no-slash' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['github', 'repository'], message: 'must be "owner/repo"' });
    const ok = PipelineConfig.parse({ ...steady, github: { repository: 'acme/models' } });
    expect(ok.github).toEqual({ repository: 'acme/models', branch: 'main', paths: [] });
  });
});

describe('DeliveryLog', () => {
  it('remembers ids across reopening and stays bounded', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'driftloop-deliveries-')), 'd.log');
    const log = await DeliveryLog.open(file, 3);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) await log.add(id);
    expect(['a', 'b', 'c'].map((id) => log.has(id))).toEqual([false, false, false]);
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toEqual(['d', 'e', 'f']);
    const reopened = await DeliveryLog.open(file, 3);
    expect(['d', 'e', 'f', 'a'].map((id) => reopened.has(id))).toEqual([true, true, true, false]);
  });
});

async function serve(args: string[], env: Record<string, string | undefined>): Promise<unknown> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  const program = new Command().exitOverride();
  registerGithub(program, { print: () => {} });
  try {
    await program.parseAsync(['node', 'driftloop', 'github', 'serve', ...args]);
    return undefined;
  } catch (err) {
    return err;
  } finally {
    process.env = saved;
  }
}

describe('driftloop github serve refuses to start', () => {
  it('without the webhook secret, the token, a valid port or valid configs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-ghcfg-'));
    const env = { DRIFTLOOP_GITHUB_WEBHOOK_SECRET: 's', DRIFTLOOP_GITHUB_TOKEN: 't' };
    expect(String(await serve(['--config-dir', dir], { ...env, DRIFTLOOP_GITHUB_WEBHOOK_SECRET: undefined }))).toMatch(/^ConfigError: DRIFTLOOP_GITHUB_WEBHOOK_SECRET is not set/);
    expect(String(await serve(['--config-dir', dir], { ...env, DRIFTLOOP_GITHUB_TOKEN: undefined }))).toMatch(/DRIFTLOOP_GITHUB_TOKEN is not set/);
    expect(String(await serve(['--config-dir', dir, '--port', 'x'], env))).toMatch(/--port must be an integer/);
    expect(String(await serve(['--config-dir', dir], env))).toMatch(/has no pipeline configs/);
    expect(String(await serve(['--config-dir', join(dir, 'missing')], env))).toMatch(/cannot read the directory: ENOENT/);
    await writeFile(join(dir, 'a.yaml'), 'model: churn\ngithub: { repository: nope }\n');
    expect(String(await serve(['--config-dir', dir], env))).toMatch(/a\.yaml is not a valid pipeline config/);
  });

  it('two configs for one model are an error', async () => {
    const { dir } = await exampleProject();
    await expect(loadPipelineDir(dir)).rejects.toThrow(/is also configured by/);
    const empty = join(dir, 'sub');
    await mkdir(empty);
    await expect(loadPipelineDir(empty)).rejects.toThrow(/has no pipeline configs/);
  });
});

describe('githubApiError (octokit errors → retryable or not)', () => {
  // Shaped like octokit's RequestError (name HttpError, status, response.headers/data).
  const httpError = (status: number, message: string, headers: Record<string, string> = {}) => ({ name: 'HttpError', status, message, response: { headers, data: { message } } });
  const now = () => 1_700_000_000_000;

  it('rate limits (429; 403 with x-ratelimit-remaining 0 or retry-after) and 5xx are retryable, with when to retry', () => {
    expect(githubApiError(httpError(429, 'Too Many Requests', { 'retry-after': '12' }), 'x', now)).toMatchObject({ retryable: true, retryAfterSeconds: 12, status: 429 });
    const primary = githubApiError(httpError(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(1_700_000_000 + 90) }), 'creating a check run', now);
    expect(primary).toMatchObject({ retryable: true, retryAfterSeconds: 90 });
    expect(primary.message).toBe('GitHub rate limit on creating a check run (403: API rate limit exceeded); retry after 90s');
    expect(githubApiError(httpError(403, 'You have exceeded a secondary rate limit', { 'retry-after': '60' }), 'x', now)).toMatchObject({ retryable: true, retryAfterSeconds: 60 });
    expect(githubApiError(httpError(503, 'Service Unavailable'), 'x', now)).toMatchObject({ retryable: true, retryAfterSeconds: null });
    expect(githubApiError(new TypeError('fetch failed'), 'x', now)).toMatchObject({ retryable: true, status: null });
  });

  it('other 4xx are not: a missing permission (403), 404, 422', () => {
    expect(githubApiError(httpError(403, 'Resource not accessible by integration'), 'x', now)).toMatchObject({ retryable: false, status: 403 });
    expect(githubApiError(httpError(404, 'Not Found'), 'updating check run 5', now).message).toBe('GitHub refused updating check run 5 (404: Not Found)');
    expect(githubApiError(httpError(422, 'Validation Failed'), 'x', now)).toMatchObject({ retryable: false, code: 'GITHUB_API' });
  });
});
