import { setTimeout as sleep } from 'node:timers/promises';
import { heartbeat } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { asActivity, HEARTBEAT_INTERVAL_MS } from '../../activities/failures.js';

describe('asActivity heartbeats while the body runs', () => {
  it('beats on a timer without erasing the details the body reported, and stops when the body ends', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));

    await env.run(() =>
      asActivity(async () => {
        await sleep(HEARTBEAT_INTERVAL_MS * 1.5);
        heartbeat({ offset: 42 });
        await sleep(HEARTBEAT_INTERVAL_MS * 2.2);
      }),
    );
    const atEnd = beats.length;
    // Ticks at ~1 s (nothing reported yet), the body's own beat, then ticks repeating it.
    expect(beats[0]).toBeUndefined();
    expect(beats).toContainEqual({ offset: 42 });
    const after = beats.slice(beats.findIndex((b) => b !== undefined));
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after.every((b) => JSON.stringify(b) === JSON.stringify({ offset: 42 }))).toBe(true);

    await sleep(HEARTBEAT_INTERVAL_MS * 1.5);
    expect(beats).toHaveLength(atEnd);
  });

  it('runs outside an activity (no context) without a timer', async () => {
    await expect(asActivity(async () => 7)).resolves.toBe(7);
  });
});
