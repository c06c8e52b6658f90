import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError, NotFoundError } from '../errors/index.js';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Content-addressed files under `<root>/sha256/<hex>`. A blob is written under
 * a temporary name and renamed into place, so a reader never sees a partial
 * blob and a crashed writer leaves nothing that looks valid.
 */
export class BlobStore {
  constructor(private readonly root: string) {}

  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new RangeError(`not a sha256: ${hash}`);
    return join(this.root, 'sha256', hash);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const hash = sha256(bytes);
    const path = this.pathOf(hash);
    try {
      await stat(path);
      return hash;
    } catch {
      // not stored yet
    }
    await mkdir(join(this.root, 'sha256'), { recursive: true });
    // A unique temporary name: two writers of the same blob (two registries in
    // one process, or two processes) must not share one.
    const tmp = `${path}.tmp-${process.pid}-${randomUUID()}`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return hash;
  }

  async get(hash: string): Promise<Uint8Array> {
    const bytes = await this.read(hash);
    const actual = sha256(bytes);
    if (actual !== hash) {
      throw new IntegrityError(`blob ${hash} is corrupt: its content hashes to ${actual}`, { expected: hash, actual });
    }
    return bytes;
  }

  /** Verifies the blob, then returns its path (for tools that read files). */
  async verifiedPath(hash: string): Promise<string> {
    await this.get(hash);
    return this.pathOf(hash);
  }

  private async read(hash: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(hash));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`blob ${hash} is missing from ${this.root}`, { hash });
      }
      throw err;
    }
  }
}
