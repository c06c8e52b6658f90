import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { formatIssues } from '../config/format-issues.js';

/**
 * The CLI's own settings: where Temporal is and how to reach it (plain,
 * mutual TLS, or an API key as Temporal Cloud wants), and the task queue.
 * Not the pipeline config: these say where to run, not what to run.
 *
 * Precedence, highest first: command-line flags, environment variables, the
 * settings file, defaults. The environment variable names are the ones the
 * Temporal CLI and SDKs read (docs.temporal.io, "Environment configuration"),
 * so one exported environment serves `temporal` and `driftloop` alike.
 */

/** The settings file's schema (driftloop.config.yaml): every key optional. */
export const SettingsFile = z
  .strictObject({
    address: z.string().min(1).optional().describe('Temporal frontend, host:port'),
    namespace: z.string().min(1).optional().describe('Temporal namespace'),
    taskQueue: z.string().min(1).optional().describe('task queue of the workers and of the passes they run'),
    apiKey: z.string().min(1).optional().describe('Temporal Cloud API key (sent as a bearer token; turns TLS on)'),
    tls: z
      .strictObject({
        enabled: z.boolean().optional().describe('force TLS on or off (default: on when any TLS file or an API key is set)'),
        cert: z.string().min(1).optional().describe('client certificate file (PEM), relative to the settings file'),
        key: z.string().min(1).optional().describe('client private key file (PEM), relative to the settings file'),
        ca: z.string().min(1).optional().describe('CA certificate file (PEM) to verify the server with, relative to the settings file'),
        serverName: z.string().min(1).optional().describe('server name for SNI and certificate verification'),
      })
      .optional(),
  })
  .describe('driftloop CLI settings');
export type SettingsFile = z.infer<typeof SettingsFile>;

/** Values given on the command line (undefined: not given). */
export interface SettingsFlags {
  settings?: string;
  address?: string;
  namespace?: string;
  taskQueue?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsServerName?: string;
}

export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export interface TlsSettings {
  /** Paths, already resolved (a relative path in the settings file is relative to that file). */
  cert: string | null;
  key: string | null;
  ca: string | null;
  serverName: string | null;
}

/** What a command connects with; `tls: null` is a plain connection. */
export interface CliSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls: TlsSettings | null;
  apiKey: string | null;
  /** Where each value came from, for `driftloop settings` and error messages. */
  sources: Record<'address' | 'namespace' | 'taskQueue' | 'tls' | 'apiKey', SettingSource>;
  /** The settings file read, if any. */
  file: string | null;
}

export const DEFAULTS = { address: 'localhost:7233', namespace: 'default', taskQueue: 'driftloop' } as const;

/** The file looked for in the working directory when neither --settings nor DRIFTLOOP_SETTINGS names one. */
export const DEFAULT_SETTINGS_FILE = 'driftloop.config.yaml';

/** One row per setting: the single source of truth for the flag and variable names (docs/cli.md mirrors it). */
export const SETTINGS_TABLE = [
  { key: 'address', flag: '--address', env: 'TEMPORAL_ADDRESS', file: 'address' },
  { key: 'namespace', flag: '--namespace', env: 'TEMPORAL_NAMESPACE', file: 'namespace' },
  { key: 'taskQueue', flag: '--task-queue', env: 'DRIFTLOOP_TASK_QUEUE', file: 'taskQueue' },
  { key: 'tlsCert', flag: '--tls-cert', env: 'TEMPORAL_TLS_CLIENT_CERT_PATH', file: 'tls.cert' },
  { key: 'tlsKey', flag: '--tls-key', env: 'TEMPORAL_TLS_CLIENT_KEY_PATH', file: 'tls.key' },
  { key: 'tlsCa', flag: '--tls-ca', env: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', file: 'tls.ca' },
  { key: 'tlsServerName', flag: '--tls-server-name', env: 'TEMPORAL_TLS_SERVER_NAME', file: 'tls.serverName' },
  { key: 'tlsEnabled', flag: null, env: 'TEMPORAL_TLS', file: 'tls.enabled' },
  // No flag: a key on the command line ends up in shell history and `ps`.
  { key: 'apiKey', flag: null, env: 'TEMPORAL_API_KEY', file: 'apiKey' },
] as const;

export interface ResolveInput {
  flags?: SettingsFlags;
  env?: NodeJS.ProcessEnv;
  /** The parsed settings file and its path (relative TLS paths are resolved against its folder). */
  file?: { path: string; settings: SettingsFile } | null;
}

/** Pure: flags > environment > settings file > defaults. Throws ConfigError for contradictory values. */
export function resolveSettings({ flags = {}, env = {}, file = null }: ResolveInput): CliSettings {
  const f = file?.settings ?? {};
  const fromFile = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(dirname(resolve(file!.path)), p));
  const envValue = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const pick = <T>(flag: T | undefined, envName: string, fileValue: T | undefined, parse: (s: string) => T): [T | undefined, SettingSource] => {
    if (flag !== undefined) return [flag, 'flag'];
    const e = envValue(envName);
    if (e !== undefined) return [parse(e), 'env'];
    if (fileValue !== undefined) return [fileValue, 'file'];
    return [undefined, 'default'];
  };
  const str = (s: string) => s;
  const [address, addressFrom] = pick(flags.address, 'TEMPORAL_ADDRESS', f.address, str);
  const [namespace, namespaceFrom] = pick(flags.namespace, 'TEMPORAL_NAMESPACE', f.namespace, str);
  const [taskQueue, taskQueueFrom] = pick(flags.taskQueue, 'DRIFTLOOP_TASK_QUEUE', f.taskQueue, str);
  const [apiKey, apiKeyFrom] = pick(undefined, 'TEMPORAL_API_KEY', f.apiKey, str);
  const [cert, certFrom] = pick(flags.tlsCert, 'TEMPORAL_TLS_CLIENT_CERT_PATH', fromFile(f.tls?.cert), str);
  const [key, keyFrom] = pick(flags.tlsKey, 'TEMPORAL_TLS_CLIENT_KEY_PATH', fromFile(f.tls?.key), str);
  const [ca, caFrom] = pick(flags.tlsCa, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', fromFile(f.tls?.ca), str);
  const [serverName, serverNameFrom] = pick(flags.tlsServerName, 'TEMPORAL_TLS_SERVER_NAME', f.tls?.serverName, str);
  const [enabled, enabledFrom] = pick(undefined, 'TEMPORAL_TLS', f.tls?.enabled, parseBoolean('TEMPORAL_TLS'));

  if ((cert === undefined) !== (key === undefined)) {
    const [given, missing] = cert === undefined ? ['--tls-key', '--tls-cert'] : ['--tls-cert', '--tls-key'];
    throw new ConfigError(
      `${given} is set but ${missing} is not: a client certificate needs both (flags, TEMPORAL_TLS_CLIENT_CERT_PATH/TEMPORAL_TLS_CLIENT_KEY_PATH or tls.cert/tls.key)`,
      { field: missing },
    );
  }
  const anyTls = cert !== undefined || ca !== undefined || serverName !== undefined || apiKey !== undefined;
  const tlsOn = enabled ?? anyTls;
  if (!tlsOn && cert !== undefined) {
    throw new ConfigError('a TLS client certificate is set but TLS is disabled (TEMPORAL_TLS=false or tls.enabled: false)', { field: 'tls.enabled' });
  }
  const tlsSources = [certFrom, keyFrom, caFrom, serverNameFrom, enabledFrom];
  return {
    address: address ?? DEFAULTS.address,
    namespace: namespace ?? DEFAULTS.namespace,
    taskQueue: taskQueue ?? DEFAULTS.taskQueue,
    tls: tlsOn ? { cert: cert ?? null, key: key ?? null, ca: ca ?? null, serverName: serverName ?? null } : null,
    apiKey: apiKey ?? null,
    sources: {
      address: addressFrom,
      namespace: namespaceFrom,
      taskQueue: taskQueueFrom,
      // The highest-precedence source that set any TLS value (an API key alone turns TLS on from its own source).
      tls: (['flag', 'env', 'file'] as const).find((s) => tlsSources.includes(s)) ?? (tlsOn ? apiKeyFrom : 'default'),
      apiKey: apiKeyFrom,
    },
    file: file?.path ?? null,
  };
}

function parseBoolean(name: string) {
  return (text: string): boolean => {
    const t = text.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(t)) return true;
    if (['false', '0', 'no', 'off'].includes(t)) return false;
    throw new ConfigError(`${name} must be true or false, not ${JSON.stringify(text)}`, { field: name });
  };
}

/**
 * Which settings file applies: --settings, else DRIFTLOOP_SETTINGS (both must
 * exist), else driftloop.config.yaml in `cwd` if there is one, else none.
 */
export function settingsFilePath(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string | null {
  const named = flag ?? (env.DRIFTLOOP_SETTINGS || undefined);
  if (named !== undefined) {
    const path = resolve(cwd, named);
    if (!existsSync(path)) throw new ConfigError(`settings file ${named} does not exist (${flag !== undefined ? '--settings' : 'DRIFTLOOP_SETTINGS'})`, { file: named });
    return path;
  }
  const local = join(cwd, DEFAULT_SETTINGS_FILE);
  return existsSync(local) ? local : null;
}

/** Reads and validates a settings file; every failure is one line naming the file (and the field). */
export function readSettingsFile(path: string): SettingsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read settings file ${path}: ${(err as Error).message}`, { file: path });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { file: path });
  }
  // An empty file is a file with no settings.
  const parsed = SettingsFile.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(`${path} is not a valid driftloop settings file: ${formatIssues(parsed.error)}`, { file: path });
  return parsed.data;
}

/** Flags + process environment + the settings file → the settings a command uses. */
export function loadSettings(flags: SettingsFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): CliSettings {
  const path = settingsFilePath(flags.settings, env, cwd);
  return resolveSettings({ flags, env, file: path === null ? null : { path, settings: readSettingsFile(path) } });
}

/** The settings as `driftloop settings` shows them: the API key never printed. */
export function redactSettings(s: CliSettings): Omit<CliSettings, 'apiKey'> & { apiKey: string | null } {
  return { ...s, apiKey: s.apiKey === null ? null : '(set)' };
}
