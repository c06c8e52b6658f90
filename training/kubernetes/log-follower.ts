import { Writable } from 'node:stream';
import type { Log } from '@kubernetes/client-node';
import { TrainerProgress } from '../request.js';
import { TRAINER_CONTAINER } from './names.js';
import type { KubernetesRunnerTiming } from './timing.js';

const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Follows the trainer container's log (stdout and stderr, merged by
 * Kubernetes) and hands its progress lines to `onProgress`. Lines are read
 * with timestamps so that a reconnect (the stream closed or went silent while
 * the trainer still runs) resumes where it stopped instead of repeating.
 */
export class LogFollower {
  private pod: string | undefined;
  private active = false;
  /** The current stream of `pod` ended after its container had terminated: nothing more to read. */
  private finished = false;
  private controller: AbortController | undefined;
  private generation = 0;
  private lastKey: string | undefined;
  private lastSecond: string | undefined;
  private lastData = 0;
  private partial = '';
  private readonly tailLines: string[] = [];
  private endWaiters: Array<() => void> = [];

  constructor(
    private readonly log: Log,
    private readonly ns: string,
    private readonly onProgress: (p: TrainerProgress) => void,
    private readonly timing: KubernetesRunnerTiming,
  ) {}

  /** Whether the runner should look at the pod (to start or restart following it). */
  wantsPod(): boolean {
    if (this.finished) return false;
    if (this.active && Date.now() - this.lastData > this.timing.logStallMs) this.abortStream();
    return !this.active;
  }

  /** Follows `pod`'s trainer log (no-op while a stream is open). `terminated`: its container has already exited. */
  follow(pod: string, terminated: boolean): void {
    if (this.active) return;
    if (this.pod !== pod) {
      this.pod = pod;
      this.lastKey = undefined;
      this.lastSecond = undefined;
      this.finished = false;
    }
    this.active = true;
    this.lastData = Date.now();
    this.partial = '';
    const generation = ++this.generation;
    const ended = () => {
      if (generation !== this.generation || !this.active) return;
      this.flushPartial();
      this.active = false;
      this.controller = undefined;
      // A stream that ended after the container had exited delivered everything.
      if (terminated) this.finished = true;
      for (const w of this.endWaiters.splice(0)) w();
    };
    const sink = new Writable({
      write: (chunk: Buffer | string, _enc, cb) => {
        if (generation === this.generation) {
          this.lastData = Date.now();
          this.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        }
        cb();
      },
      final: (cb) => {
        ended();
        cb();
      },
    });
    // node-fetch emits 'error' on the response body when it is aborted or the
    // connection breaks; pipe() does not forward it, so catch it here.
    sink.on('pipe', (src: NodeJS.ReadableStream) => src.on('error', ended));
    sink.on('error', ended);
    sink.on('close', ended);
    this.log
      .log(this.ns, pod, TRAINER_CONTAINER, sink, {
        follow: true,
        timestamps: true,
        ...(this.lastSecond ? { sinceTime: this.lastSecond } : {}),
      })
      .then(
        (controller) => {
          if (generation === this.generation && this.active) this.controller = controller;
          else controller.abort();
        },
        ended,
      );
  }

  /** Waits (at most `ms`) for the open stream to deliver its end, then closes it. */
  async drain(ms: number): Promise<void> {
    if (this.active) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.endWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.stop();
  }

  stop(): void {
    this.finished = true;
    this.abortStream();
  }

  /** The last lines that were not progress (for a failure message when nothing better is left). */
  tail(): string {
    return this.tailLines.join('\n');
  }

  private abortStream(): void {
    const controller = this.controller;
    this.generation++;
    this.active = false;
    this.controller = undefined;
    for (const w of this.endWaiters.splice(0)) w();
    try {
      controller?.abort();
    } catch {
      // already closed
    }
  }

  private feed(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = (lines.pop() ?? '').slice(-MAX_LINE_CHARS);
    for (const line of lines) this.line(line);
  }

  private flushPartial(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (!line) return;
    const space = line.indexOf(' ');
    const ts = space > 0 ? timestampKey(line.slice(0, space)) : undefined;
    let content = line;
    if (ts) {
      // Lines up to the last one seen were delivered before a reconnect.
      if (this.lastKey !== undefined && ts.key <= this.lastKey) return;
      this.lastKey = ts.key;
      this.lastSecond = ts.second;
      content = line.slice(space + 1);
    }
    const progress = parseProgress(content);
    if (progress) {
      try {
        this.onProgress(progress);
      } catch {
        // a failing progress consumer must not break the log stream
      }
      return;
    }
    if (content.trim()) {
      this.tailLines.push(content.slice(0, 64 * 1024));
      if (this.tailLines.length > 50) this.tailLines.shift();
    }
  }
}

/** A comparable key and the whole-second RFC 3339 time of a log timestamp (`2024-05-01T12:00:00.123456789Z`). */
function timestampKey(ts: string): { key: string; second: string } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (!m) return undefined;
  return { key: `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}`, second: `${m[1]}Z` };
}

function parseProgress(line: string): TrainerProgress | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = TrainerProgress.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
