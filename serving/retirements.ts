/**
 * Versions being retired: each releases its session once its in-flight
 * requests drained. A follower tracks them so that close() waits for all;
 * a failed release is reported, never thrown into the swap that caused it.
 */
export class Retirements {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly onError: ((err: unknown, context: string) => void) | undefined, private readonly what: string) {}

  track(retire: Promise<void>): void {
    const tracked = retire
      .catch((err) => this.onError?.(err, `releasing a retired ${this.what} failed`))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves when every tracked retirement has finished. */
  async drained(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
