import { request } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'vitest';

/**
 * A plain node:http client for the fuzz tests: unlike fetch it sends the path
 * exactly as given (fetch would resolve "../" and re-encode), any header
 * value Node accepts, and raw body bytes.
 */
export interface RawResponse {
  status: number;
  type: string;
  text: string;
}

export function send(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: Uint8Array | string } = {}): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: { connection: 'close', ...opts.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes on a socket (malformed request lines and headers Node's client refuses to send); resolves with what came back. */
export function sendRaw(base: string, bytes: Uint8Array | string, opts: { keepOpen?: boolean } = {}): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    // keepOpen: write and wait, as a slow client would, for the server to hang up.
    if (opts.keepOpen) socket.write(bytes);
    else socket.end(bytes);
  });
}

/** Counts what the fuzz sent and got back, for docs/reliability.md's figures. */
export class Tally {
  requests = 0;
  byStatus = new Map<number, number>();
  add(status: number): void {
    this.requests++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }
  get serverErrors(): number {
    return [...this.byStatus].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  }
  summary(): string {
    return `${this.requests} requests, statuses ${[...this.byStatus].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s}×${c}`).join(' ')}`;
  }
}

/**
 * The property every malformed request must have: no 5xx, and a 4xx comes
 * with a JSON body whose `error` (or MLflow's `message`) says what was wrong.
 */
export function expectHandled(res: RawResponse, what: string, tally?: Tally): void {
  tally?.add(res.status);
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.type, `${what}: content type of a ${res.status}`).toMatch(/^application\/json/);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    const message = typeof body.error === 'string' && body.error !== '' ? body.error : body.message;
    expect(typeof message === 'string' && message.length > 0, `${what}: ${res.status} without an error message: ${res.text.slice(0, 300)}`).toBe(true);
  }
}
