import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError } from '../errors/index.js';
import { loadSettings, type CliSettings, type TlsSettings } from './settings.js';

/** Where driftloop finds Temporal; `tls`/`apiKey` are for Temporal Cloud or a TLS-secured cluster. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: TlsSettings | null;
  apiKey?: string | null;
}

/** Environment and settings file, no flags (commands resolve their flags with commandSettings). */
export function temporalSettings(env: NodeJS.ProcessEnv = process.env): CliSettings {
  return loadSettings({}, env);
}

/**
 * The SDK Connection options for these settings. TLS material is read here so
 * a missing or unreadable file is a one-line error naming the setting, before
 * any connection attempt. An API key goes in `apiKey` (the SDK sends it as
 * `Authorization: Bearer …` and turns TLS on unless told otherwise).
 */
export function connectionOptions(settings: TemporalSettings): ConnectionOptions {
  const options: ConnectionOptions = { address: settings.address, connectTimeout: 5_000 };
  const tls = settings.tls;
  if (tls) {
    options.tls = {
      ...(tls.serverName !== null ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.ca !== null ? { serverRootCACertificate: readPem(tls.ca, 'TLS CA certificate (--tls-ca)') } : {}),
      ...(tls.cert !== null && tls.key !== null
        ? { clientCertPair: { crt: readPem(tls.cert, 'TLS client certificate (--tls-cert)'), key: readPem(tls.key, 'TLS client key (--tls-key)') } }
        : {}),
    };
  } else if (settings.tls === null && settings.apiKey) {
    // TLS explicitly disabled with an API key: e.g. a local proxy that terminates TLS.
    options.tls = false;
  }
  if (settings.apiKey) options.apiKey = settings.apiKey;
  return options;
}

/** The same settings for a worker's NativeConnection (address, TLS, API key; it has no connect timeout). */
export function nativeConnectionOptions(settings: TemporalSettings): NativeConnectionOptions {
  const { address, tls, apiKey } = connectionOptions(settings);
  return { address, ...(tls !== undefined ? { tls } : {}), ...(typeof apiKey === 'string' ? { apiKey } : {}) };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path });
  }
}

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const options = connectionOptions(settings);
  let connection: Connection;
  try {
    connection = await Connection.connect(options);
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${settings.address} (${(err as Error).message}); start one with "driftloop dev" or set TEMPORAL_ADDRESS`,
    );
  }
  return new Client({ connection, namespace: settings.namespace });
}
