import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { AliasChange, AliasWatchOptions } from './types.js';
import { ANY_ALIAS } from './types.js';

/** The PostgreSQL channel every alias move is announced on (payload: JSON `{model, alias, version}`). */
export const ALIAS_CHANNEL = 'driftloop_alias';

/** The event a watcher sends after it reconnected: anything may have moved during the gap. */
export const EVERYTHING: AliasChange = Object.freeze({ model: ANY_ALIAS, alias: ANY_ALIAS, version: 0 });

/**
 * Announces an alias move on ALIAS_CHANNEL. Run it inside the transaction that
 * moves the alias: PostgreSQL delivers the notification when (and only if)
 * that transaction commits.
 */
export async function notifyAliasMove<DB>(trx: Kysely<DB>, move: { model: string; alias: string; version: number }): Promise<void> {
  const payload = JSON.stringify({ model: move.model, alias: move.alias, version: move.version });
  await sql`select pg_notify(${ALIAS_CHANNEL}, ${payload})`.execute(trx);
}

export interface PostgresAliasWatchConfig {
  /** Connection settings of the dedicated LISTEN connection (not one from the pool: it stays checked out). */
  client: pg.ClientConfig;
  /** First reconnection delay (doubled per failed attempt, with jitter), default 250 ms. */
  minBackoffMs?: number;
  /** Longest reconnection delay, default 30 s. */
  maxBackoffMs?: number;
}

/**
 * LISTENs on ALIAS_CHANNEL on a connection of its own and calls `onChange`
 * for every alias move committed from then on. When the connection drops it
 * reconnects with exponential backoff and, once listening again, sends
 * EVERYTHING: a move committed during the gap was not heard.
 *
 * Resolves once listening (rejects when the first connection fails); the
 * returned function stops watching (idempotent).
 */
export async function watchPostgresAliases(
  config: PostgresAliasWatchConfig,
  onChange: (e: AliasChange) => void,
  opts: AliasWatchOptions = {},
): Promise<() => Promise<void>> {
  const watcher = new PostgresAliasWatcher(config, onChange, opts);
  await watcher.start();
  return () => watcher.close();
}

class PostgresAliasWatcher {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnecting: Promise<boolean> | null = null;
  private attempt = 0;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly config: PostgresAliasWatchConfig,
    private readonly onChange: (e: AliasChange) => void,
    private readonly opts: AliasWatchOptions,
  ) {}

  async start(): Promise<void> {
    const client = await this.connect();
    if (this.closed) await client.end().catch(() => undefined);
    else this.client = client;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      await this.reconnecting?.catch(() => undefined);
      const client = this.client;
      this.client = null;
      await client?.end().catch(() => undefined);
    })();
    return this.closing;
  }

  /** A new listening connection; losing it later schedules a reconnection. */
  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ keepAlive: true, connectionTimeoutMillis: 10_000, ...this.config.client });
    let listening = false;
    let lost = false;
    const onLost = (err?: unknown) => {
      // Before LISTEN succeeded, failures reject connect() instead.
      if (!listening || lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.report(err ?? new Error('the connection listening for alias moves ended'), 'alias watch: connection lost; reconnecting');
      this.scheduleReconnect();
    };
    // Registered before connecting: an 'error' without a listener would crash the process.
    client.on('error', (err) => onLost(err));
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (msg.channel === ALIAS_CHANNEL) this.emit(parseChange(msg.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ALIAS_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    listening = true;
    return client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const min = this.config.minBackoffMs ?? 250;
    const max = this.config.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** Math.min(this.attempt, 30)) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = null;
      const attempt = this.reconnect();
      this.reconnecting = attempt;
      void attempt.then((ok) => {
        if (this.reconnecting === attempt) this.reconnecting = null;
        if (!ok) this.scheduleReconnect();
      });
    }, delay);
    // A pending reconnection alone must not keep a process alive.
    this.timer.unref();
  }

  /** One reconnection attempt: false when it failed (and another should be scheduled). */
  private async reconnect(): Promise<boolean> {
    if (this.closed) return true;
    let client: pg.Client;
    try {
      client = await this.connect();
    } catch (err) {
      if (this.closed) return true;
      this.report(err, `alias watch: reconnection attempt ${this.attempt} failed; retrying`);
      return false;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return true;
    }
    this.client = client;
    this.attempt = 0;
    // Moves committed while no connection was listening were not heard.
    this.emit(EVERYTHING);
    return true;
  }

  private emit(e: AliasChange): void {
    if (this.closed) return;
    try {
      this.onChange(e);
    } catch (err) {
      this.report(err, 'alias watch: the change handler failed');
    }
  }

  private report(err: unknown, context: string): void {
    try {
      this.opts.onError?.(err, context);
    } catch {
      // a failing error handler must not stop the watcher
    }
  }
}

/** A payload that is not a well-formed move is treated as "anything may have changed". */
function parseChange(payload: string | undefined): AliasChange {
  try {
    const p = JSON.parse(payload ?? '') as Partial<AliasChange>;
    if (typeof p.model === 'string' && typeof p.alias === 'string' && typeof p.version === 'number') {
      return { model: p.model, alias: p.alias, version: p.version };
    }
  } catch {
    // fall through
  }
  return EVERYTHING;
}
