/**
 * The demo's output: permanent lines, and on a terminal two live lines kept
 * at the bottom (the day's progress bar and the running pass's stage), redrawn
 * in place. Anywhere else (a pipe, a test) only plain lines are written, and
 * the minor events a terminal shows live become lines of their own.
 */
export class DemoDisplay {
  private liveLines: string[] = [];
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(
    private readonly write: (text: string) => void,
    readonly tty: boolean,
    /** The terminal's width: a live line that wrapped could not be redrawn in place. */
    private readonly columns: () => number = () => 120,
  ) {}

  /** A line that stays. */
  line(text: string): void {
    this.clear();
    this.write(`${text}\n`);
    this.draw();
  }

  /** A detail a terminal shows in a live line: a plain line elsewhere. */
  event(text: string): void {
    if (!this.tty) this.write(`${text}\n`);
  }

  /** The live lines (terminal only); redrawn at most every 100 ms. */
  live(lines: string[]): void {
    if (!this.tty) return;
    this.liveLines = lines;
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      if (this.dirty) {
        this.clear();
        this.draw();
      }
    }, 100);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.clear();
    this.liveLines = [];
  }

  private clear(): void {
    if (!this.tty || this.drawn === 0) return;
    this.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    this.dirty = false;
    if (!this.tty || this.liveLines.length === 0) return;
    const width = Math.max(20, this.columns() - 1);
    this.write(this.liveLines.map((l) => `${[...l].slice(0, width).join('')}\x1b[K\n`).join(''));
    this.drawn = this.liveLines.length;
  }
}

/** `[██████░░░░]` for `done` of `total`. */
export function bar(done: number, total: number, width = 24): string {
  const filled = total <= 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}
