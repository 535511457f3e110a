/** A one-line progress bar redrawn in place on a terminal (stderr); silent elsewhere. */
export class ProgressBar {
  private lastDraw = 0;

  constructor(
    private readonly stream: { write(text: string): unknown },
    private readonly total: number,
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly now: () => number = () => Date.now(),
  ) {}

  update(done: number, detail = ""): void {
    if (!this.enabled) return;
    const now = this.now();
    if (done < this.total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const filled = this.total === 0 ? width : Math.round((done / this.total) * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    this.stream.write(`\r${this.label} ${bar} ${done}/${this.total}${detail === "" ? "" : ` ${detail}`}\u001b[K`);
  }

  finish(): void {
    if (this.enabled) this.stream.write("\n");
  }
}
