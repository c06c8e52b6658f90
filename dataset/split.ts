/**
 * Deterministic holdout assignment by row index and seed. Retrain and evaluate
 * run as separate activities (possibly on different workers, possibly retried),
 * so both must derive the same split from the same inputs without sharing state.
 */
export function holdoutMask(rows: number, fraction: number, seed: number): Uint8Array {
  const mask = new Uint8Array(rows);
  const cut = Math.floor(fraction * 2 ** 32);
  for (let i = 0; i < rows; i++) mask[i] = hash32(i, seed) < cut ? 1 : 0;
  return mask;
}

/** A 32-bit avalanche hash of (index, seed) (murmur3's finaliser). */
function hash32(index: number, seed: number): number {
  let h = (Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
