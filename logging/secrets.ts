/**
 * Value-level scrubbing of finished log lines: pino's `redact` only censors
 * fields it is told about, but a secret can also travel inside a message —
 * an error that echoes a connection URL, a request path, a header value.
 */

/** Environment variables holding secrets by name, beyond the *_TOKEN / *_SECRET / *_PASSWORD / *_API_KEY pattern. */
const SECRET_VARIABLES = ['DRIFTLOOP_GITHUB_TOKEN', 'DRIFTLOOP_GITHUB_WEBHOOK_SECRET', 'TEMPORAL_API_KEY', 'PGPASSWORD'];
const SECRET_NAME = /(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY)$/i;
/** Variables whose value is a URL that may carry a password. */
const URL_VARIABLES = ['DRIFTLOOP_DATABASE_URL', 'DATABASE_URL'];

/**
 * Shorter values are not scrubbed by value: they would match ordinary words
 * in logs. (A short password inside a URL is still caught by the URL rule.)
 */
export const MIN_SECRET_LENGTH = 6;

/** The secret values in this environment: named secret variables, and the password of every database URL. */
export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_VARIABLES.includes(name) || SECRET_NAME.test(name)) found.add(value);
  }
  for (const name of URL_VARIABLES) {
    const password = urlPassword(env[name]);
    if (password) found.add(password);
  }
  return [...found].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

function urlPassword(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const password = new URL(value).password;
    return password ? decodeURIComponent(password) : null;
  } catch {
    return null; // not a URL: nothing to take apart (the variable's own error says so elsewhere)
  }
}

/** userinfo of any URL: scheme://user:PASSWORD@ → scheme://user:[REDACTED]@ */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'\\]*:)[^\s@/"'\\]+@/gi;
/** GitHub's token formats (classic, OAuth, user-to-server, server-to-server, refresh, fine-grained). */
const GITHUB_TOKEN = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;

/**
 * A function replacing every occurrence of the given secrets (as written,
 * percent-encoded, each as JSON writes it inside a string), URL credentials, GitHub tokens and
 * bearer tokens with [REDACTED]. Safe on a JSON line: the replacement holds
 * no quote or backslash, and secrets are matched in their escaped form.
 */
export function scrubberFor(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    // Only the escaped form: a raw quote or backslash could otherwise match the line's JSON structure.
    for (const f of [s, encodeURIComponent(s)]) forms.add(JSON.stringify(f).slice(1, -1));
  }
  // Longest first: a secret containing another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const f of ordered) if (out.includes(f)) out = out.split(f).join('[REDACTED]');
    return out.replace(URL_CREDENTIALS, '$1[REDACTED]@').replace(GITHUB_TOKEN, '[REDACTED]').replace(BEARER, '$1[REDACTED]');
  };
}
