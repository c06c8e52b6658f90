import { createHash } from 'node:crypto';

/**
 * Which requests a canary gets. The choice is a function of the request id
 * (its sha256 read as a number in [0, 1)), not a coin flip: a client that
 * retries with the same X-Request-Id reaches the same version, and a logged
 * request can be traced to its arm after the fact. Generated request ids are
 * random UUIDs, so a share of the traffic lands in the canary.
 */
export function canaryBucket(requestId: string): number {
  const digest = createHash('sha256').update(requestId).digest();
  // 48 bits: exact in a double, far finer than any share.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** Whether the request with this id goes to a canary that takes `share` of the traffic. */
export function routesToCanary(requestId: string, share: number): boolean {
  return canaryBucket(requestId) < share;
}
