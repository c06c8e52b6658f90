import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { loadSettings, readSettingsFile, resolveSettings, SettingsFile } from '../../client/settings.js';
import { NativeConnection } from '@temporalio/worker';
import { connectClient, connectionOptions, nativeConnectionOptions } from '../../client/temporal.js';
import { ConfigError } from '../../errors/index.js';
import { driftloop } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftloop-settings-'));
});

const file = (settings: SettingsFile, path = '/etc/driftloop/driftloop.config.yaml') => ({ path, settings });

/** Environment variables of the settings, cleared so the runner's own environment cannot leak into a CLI test. */
const CLEAR = {
  TEMPORAL_ADDRESS: '',
  TEMPORAL_NAMESPACE: '',
  DRIFTLOOP_TASK_QUEUE: '',
  DRIFTLOOP_SETTINGS: '',
  TEMPORAL_API_KEY: '',
  TEMPORAL_TLS: '',
  TEMPORAL_TLS_CLIENT_CERT_PATH: '',
  TEMPORAL_TLS_CLIENT_KEY_PATH: '',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: '',
  TEMPORAL_TLS_SERVER_NAME: '',
};

describe('resolveSettings: flags > environment > settings file > defaults', () => {
  it('uses the defaults when nothing is given', () => {
    const s = resolveSettings({});
    expect(s).toMatchObject({ address: 'localhost:7233', namespace: 'default', taskQueue: 'driftloop', tls: null, apiKey: null, file: null });
    expect(s.sources).toEqual({ address: 'default', namespace: 'default', taskQueue: 'default', tls: 'default', apiKey: 'default' });
  });

  it('takes each value from the highest source that sets it', () => {
    const f = file({ address: 'file:7233', namespace: 'file-ns', taskQueue: 'file-q' });
    expect(resolveSettings({ file: f })).toMatchObject({ address: 'file:7233', namespace: 'file-ns', taskQueue: 'file-q', sources: { address: 'file' } });
    const env = { TEMPORAL_ADDRESS: 'env:7233', DRIFTLOOP_TASK_QUEUE: 'env-q' };
    const fromEnv = resolveSettings({ env, file: f });
    expect(fromEnv).toMatchObject({ address: 'env:7233', namespace: 'file-ns', taskQueue: 'env-q' });
    expect(fromEnv.sources).toMatchObject({ address: 'env', namespace: 'file', taskQueue: 'env' });
    const fromFlags = resolveSettings({ flags: { address: 'flag:7233', namespace: 'flag-ns' }, env, file: f });
    expect(fromFlags).toMatchObject({ address: 'flag:7233', namespace: 'flag-ns', taskQueue: 'env-q' });
    expect(fromFlags.sources).toMatchObject({ address: 'flag', namespace: 'flag', taskQueue: 'env' });
  });

  it('treats an empty environment variable as unset', () => {
    expect(resolveSettings({ env: { TEMPORAL_ADDRESS: '' }, file: file({ address: 'file:1' }) }).address).toBe('file:1');
  });

  it('resolves TLS paths from the file relative to the file, and lets env and flags override each path', () => {
    const f = file({ tls: { cert: 'certs/client.pem', key: '/abs/client.key', serverName: 'ns.tmprl.cloud' } });
    expect(resolveSettings({ file: f }).tls).toEqual({ cert: '/etc/driftloop/certs/client.pem', key: '/abs/client.key', ca: null, serverName: 'ns.tmprl.cloud' });
    const s = resolveSettings({
      flags: { tlsCert: '/flag/c.pem' },
      env: { TEMPORAL_TLS_CLIENT_KEY_PATH: '/env/k.pem', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/env/ca.pem' },
      file: f,
    });
    expect(s.tls).toEqual({ cert: '/flag/c.pem', key: '/env/k.pem', ca: '/env/ca.pem', serverName: 'ns.tmprl.cloud' });
    expect(s.sources.tls).toBe('flag');
  });

  it('turns TLS on for an API key, and off only when TEMPORAL_TLS=false says so', () => {
    const s = resolveSettings({ env: { TEMPORAL_API_KEY: 'secret' } });
    expect(s.apiKey).toBe('secret');
    expect(s.tls).toEqual({ cert: null, key: null, ca: null, serverName: null });
    expect(resolveSettings({ env: { TEMPORAL_API_KEY: 'secret', TEMPORAL_TLS: 'false' } }).tls).toBeNull();
    expect(resolveSettings({ env: { TEMPORAL_TLS: 'true' } }).tls).not.toBeNull();
    expect(resolveSettings({ file: file({ apiKey: 'k' }), env: { TEMPORAL_API_KEY: 'from-env' } }).apiKey).toBe('from-env');
  });

  it('refuses a certificate without its key, a disabled TLS with a certificate, and a non-boolean TEMPORAL_TLS', () => {
    expect(() => resolveSettings({ flags: { tlsCert: 'c.pem' } })).toThrow(/--tls-cert is set but --tls-key is not/);
    expect(() => resolveSettings({ env: { TEMPORAL_TLS_CLIENT_KEY_PATH: 'k.pem' } })).toThrow(/--tls-key is set but --tls-cert is not/);
    expect(() => resolveSettings({ flags: { tlsCert: 'c', tlsKey: 'k' }, env: { TEMPORAL_TLS: 'false' } })).toThrow(ConfigError);
    expect(() => resolveSettings({ env: { TEMPORAL_TLS: 'maybe' } })).toThrow(/TEMPORAL_TLS must be true or false, not "maybe"/);
  });
});

describe('the settings file', () => {
  it('is found in the working directory, or named by DRIFTLOOP_SETTINGS or --settings (the flag wins)', async () => {
    const cwd = await mkdtemp(join(dir, 'cwd-'));
    await writeFile(join(cwd, 'driftloop.config.yaml'), 'namespace: local-ns\n');
    const named = join(dir, 'named.yaml');
    await writeFile(named, 'namespace: named-ns\n');
    const flagged = join(dir, 'flagged.yaml');
    await writeFile(flagged, 'namespace: flagged-ns\n');
    expect(loadSettings({}, {}, cwd)).toMatchObject({ namespace: 'local-ns', file: join(cwd, 'driftloop.config.yaml') });
    expect(loadSettings({}, { DRIFTLOOP_SETTINGS: named }, cwd).namespace).toBe('named-ns');
    expect(loadSettings({ settings: flagged }, { DRIFTLOOP_SETTINGS: named }, cwd).namespace).toBe('flagged-ns');
    expect(() => loadSettings({ settings: join(dir, 'nope.yaml') }, {}, cwd)).toThrow(/settings file .*nope\.yaml does not exist \(--settings\)/);
  });

  it('rejects a bad field with one line naming the file and the field', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'address: localhost:7233\ntls:\n  cert: 42\n');
    expect(() => readSettingsFile(bad)).toThrow(new RegExp(`^${bad} is not a valid driftloop settings file: tls\\.cert: `));
    const typo = join(dir, 'typo.yaml');
    await writeFile(typo, 'adress: localhost:7233\n');
    expect(() => readSettingsFile(typo)).toThrow(/typo\.yaml is not a valid driftloop settings file: .*adress/);

    // The same through the CLI: exit 1, one line on stderr, no stack trace.
    const r = await driftloop(['settings', '--settings', bad], CLEAR);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^driftloop: error: .*bad\.yaml is not a valid driftloop settings file: tls\.cert: /);
    const yaml = join(dir, 'broken.yaml');
    await writeFile(yaml, 'address: [\n');
    const r2 = await driftloop(['settings', '--json'], { ...CLEAR, DRIFTLOOP_SETTINGS: yaml });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/^driftloop: error: .*broken\.yaml: not valid YAML/);
  });

  it('shows each value with its source in `driftloop settings --json`, never the API key', async () => {
    const f = join(dir, 'show.yaml');
    await writeFile(f, 'address: file-host:7233\nnamespace: file-ns\ntaskQueue: file-q\n');
    const r = await driftloop(['settings', '--json', '--namespace', 'flag-ns'], { ...CLEAR, DRIFTLOOP_SETTINGS: f, DRIFTLOOP_TASK_QUEUE: 'env-q', TEMPORAL_API_KEY: 'very-secret-key' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('very-secret-key');
    expect(JSON.parse(r.stdout)).toMatchObject({
      address: 'file-host:7233',
      namespace: 'flag-ns',
      taskQueue: 'env-q',
      apiKey: '(set)',
      sources: { address: 'file', namespace: 'flag', taskQueue: 'env', apiKey: 'env', tls: 'env' },
      file: f,
    });
  });
});

describe('connection options', () => {
  it('passes the client certificate, CA and server name to the SDK as TLS options', async () => {
    const [cert, key, ca] = ['client.pem', 'client.key', 'ca.pem'].map((n) => join(dir, n));
    await writeFile(cert!, '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
    await writeFile(key!, '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
    await writeFile(ca!, '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
    const s = resolveSettings({
      flags: { address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct' },
      env: { TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key, TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_SERVER_NAME: 'ns.acct.tmprl.cloud' },
    });
    const o = connectionOptions(s);
    expect(o.address).toBe('ns.acct.tmprl.cloud:7233');
    expect(o.apiKey).toBeUndefined();
    expect(o.tls).toEqual({
      serverNameOverride: 'ns.acct.tmprl.cloud',
      serverRootCACertificate: Buffer.from('-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n'),
      clientCertPair: {
        crt: Buffer.from('-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n'),
        key: Buffer.from('-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n'),
      },
    });
  });

  it('sends an API key with TLS on (system CAs), or without TLS when it is disabled', () => {
    expect(connectionOptions(resolveSettings({ env: { TEMPORAL_API_KEY: 'k' } }))).toMatchObject({ apiKey: 'k', tls: {} });
    const off = connectionOptions(resolveSettings({ env: { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' } }));
    expect(off).toMatchObject({ apiKey: 'k', tls: false });
    const plain = connectionOptions(resolveSettings({}));
    expect(plain.tls).toBeUndefined();
    expect(plain.apiKey).toBeUndefined();
  });

  it('gives a worker connection the same address, TLS and API key', async () => {
    const [cert, key] = [join(dir, 'client.pem'), join(dir, 'client.key')];
    const tls = nativeConnectionOptions(resolveSettings({ flags: { address: 'h:7233', tlsCert: cert, tlsKey: key, tlsServerName: 'h' } }));
    expect(tls).toEqual({ address: 'h:7233', tls: { serverNameOverride: 'h', clientCertPair: { crt: await readFile(cert), key: await readFile(key) } } });
    expect(nativeConnectionOptions(resolveSettings({ env: { TEMPORAL_API_KEY: 'k' } }))).toEqual({ address: 'localhost:7233', tls: {}, apiKey: 'k' });
    // A real worker connection with an API key over plain TCP (TEMPORAL_TLS=false): the dev server has no authorizer and accepts it.
    const plain = nativeConnectionOptions(resolveSettings({ env: { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' } }));
    expect(plain).toMatchObject({ tls: false, apiKey: 'k' });
    const connection = await NativeConnection.connect(plain);
    await connection.close();
  });

  it('names the setting when a TLS file cannot be read, before connecting', () => {
    const s = resolveSettings({ flags: { tlsCert: join(dir, 'missing.pem'), tlsKey: join(dir, 'missing.key') } });
    expect(() => connectionOptions(s)).toThrow(/cannot read the TLS client certificate \(--tls-cert\) .*missing\.pem: ENOENT/);
  });

  it('makes `driftloop worker` read its TLS files from the settings before connecting', async () => {
    const r = await driftloop(['worker', '--tls-cert', join(dir, 'nope.pem'), '--tls-key', join(dir, 'nope.key')], CLEAR);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^driftloop: error: cannot read the TLS client certificate \(--tls-cert\) .*nope\.pem: ENOENT$/);
  });

  it('connects to a real Temporal with plain settings', async () => {
    const s = loadSettings({}, { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') }, dir);
    const client = await connectClient(s);
    try {
      const info = await client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
    } finally {
      await client.connection.close();
    }
  });

  it('lets --address beat TEMPORAL_ADDRESS, and TEMPORAL_ADDRESS beat the settings file, in a real command', async () => {
    const f = join(dir, 'unreachable.yaml');
    await writeFile(f, 'address: 127.0.0.1:1\n');
    const base = { ...CLEAR, TEMPORAL_NAMESPACE: inject('temporalNamespace'), DRIFTLOOP_SETTINGS: f };
    const viaFlag = await driftloop(['schedule', 'list', '--json', '--address', inject('temporalAddress')], { ...base, TEMPORAL_ADDRESS: '127.0.0.1:2' });
    expect(viaFlag.stderr).toBe('');
    expect(Array.isArray(JSON.parse(viaFlag.stdout))).toBe(true);
    const viaEnv = await driftloop(['schedule', 'list', '--json'], { ...base, TEMPORAL_ADDRESS: inject('temporalAddress') });
    expect(viaEnv.code).toBe(0);
    const viaFile = await driftloop(['schedule', 'list', '--json'], base);
    expect(viaFile.code).toBe(1);
    expect(viaFile.stderr).toMatch(/^driftloop: error: cannot reach Temporal at 127\.0\.0\.1:1 /);
  });
});
