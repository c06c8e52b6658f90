import { GithubApiError } from '../errors/index.js';

/**
 * Turns what octokit throws into a GithubApiError that says whether another
 * attempt can succeed. GitHub signals a rate limit with 429, or with 403 and
 * `x-ratelimit-remaining: 0` (primary) or a `retry-after` header (secondary
 * limits); those and 5xx answers (and no answer at all) are retryable. Other
 * 4xx answers (404 no such repository or commit, 422 validation failed, 401
 * bad token, 403 missing permission) are not: the same call fails the same way.
 */
export function githubApiError(err: unknown, what: string, now: () => number = Date.now): GithubApiError {
  if (err instanceof GithubApiError) return err;
  const e = err as { name?: string; status?: unknown; message?: string; response?: { headers?: Record<string, string | undefined>; data?: unknown } };
  const status = typeof e?.status === 'number' ? e.status : null;
  const headers = e?.response?.headers ?? {};
  const gh = e?.response?.data && typeof e.response.data === 'object' ? (e.response.data as { message?: unknown }) : {};
  const said = typeof gh.message === 'string' ? gh.message : (e?.message ?? String(err)).split('\n')[0]!;
  const retryAfter = seconds(headers['retry-after']);
  const reset = seconds(headers['x-ratelimit-reset']);
  const rateLimited = status === 429 || (status === 403 && (headers['x-ratelimit-remaining'] === '0' || retryAfter !== null || /rate limit/i.test(said)));
  if (rateLimited) {
    const wait = retryAfter ?? (reset !== null ? Math.max(1, reset - Math.floor(now() / 1000)) : null);
    return new GithubApiError(`GitHub rate limit on ${what} (${status}: ${said})${wait !== null ? `; retry after ${wait}s` : ''}`, { status, retryable: true, retryAfterSeconds: wait }, {}, { cause: err });
  }
  // No status: the request never got an answer (DNS, refused connection, timeout): worth another attempt.
  if (status === null || status >= 500) return new GithubApiError(`GitHub failed ${what} (${status ?? 'no answer'}: ${said})`, { status, retryable: true }, {}, { cause: err });
  return new GithubApiError(`GitHub refused ${what} (${status}: ${said})`, { status, retryable: false }, {}, { cause: err });
}

function seconds(v: string | undefined): number | null {
  if (v === undefined || !/^\d+$/.test(v.trim())) return null;
  return Number(v);
}
