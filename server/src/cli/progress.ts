// A one-line progress bar on stderr with files/s and ETA. Silent when stderr is not a
// terminal (CI logs, pipes), except for a final line so long runs still say what happened.
export class ProgressBar {
  private readonly started = Date.now();
  private last = 0;
  private shown = false;
  private total = 0;
  private doneCount = 0;

  constructor(private readonly out: NodeJS.WriteStream, private readonly label: string, private readonly enabled: boolean) {}

  update(done: number, total: number): void {
    this.doneCount = done;
    this.total = total;
    if (!this.enabled || !this.out.isTTY) return;
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files  ${rate.toFixed(0)} files/s  ETA ${eta.toFixed(0)}s `);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) {
      this.out.write('\r\x1b[K');
      this.shown = false;
    }
  }

  done(): void {
    this.clear();
    if (this.enabled && this.total > 0 && !this.out.isTTY) {
      const secs = (Date.now() - this.started) / 1000;
      this.out.write(`${this.label}: ${this.doneCount}/${this.total} files in ${secs.toFixed(1)}s\n`);
    }
  }
}
