import { appendFile, mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The `X-GitHub-Delivery` ids already handled, so a redelivery (GitHub's
 * "Redeliver" button, or a retry after a timeout) starts nothing. Kept in one
 * append-only file (one id per line) so it survives restarts without a
 * schema in the registry; bounded: when the file holds twice `capacity` ids it
 * is rewritten with the newest `capacity`. GitHub lets deliveries be
 * redelivered for 3 days, far fewer than the default 10,000 for one receiver.
 * One receiver process per file (it is not shared across replicas).
 */
export class DeliveryLog {
  private readonly seen = new Set<string>();
  private order: string[] = [];
  private lines = 0;

  private constructor(private readonly file: string, private readonly capacity: number) {}

  static async open(file: string, capacity = 10_000): Promise<DeliveryLog> {
    const log = new DeliveryLog(file, capacity);
    await mkdir(dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const id of text.split('\n')) if (id) log.remember(id);
    log.lines = log.order.length;
    return log;
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }

  async add(id: string): Promise<void> {
    if (this.seen.has(id)) return;
    this.remember(id);
    await appendFile(this.file, `${id}\n`);
    if (++this.lines >= 2 * this.capacity) await this.compact();
  }

  private remember(id: string): void {
    this.seen.add(id);
    this.order.push(id);
    if (this.order.length > this.capacity) this.seen.delete(this.order.shift()!);
  }

  private async compact(): Promise<void> {
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, this.order.map((id) => `${id}\n`).join(''));
    await rename(tmp, this.file);
    this.lines = this.order.length;
  }
}
