/** Where a scan's results and progress go: NDJSON with backpressure, a TTY progress line. */
import type { Writable } from 'node:stream';
import type { ScanResult } from './run.js';
import { progressLine, type ScanSummary } from './summary.js';

/** Writes one compact JSON line per result; waits for 'drain' so a slow reader bounds memory. */
export class NdjsonWriter {
  /** Set when the stream failed (e.g. EPIPE after `| head`): the scan should stop. */
  broken = false;

  constructor(private readonly out: Writable) {
    out.on('error', () => {
      this.broken = true;
    });
  }

  /** Writes one result line. */
  async write(result: ScanResult): Promise<void> {
    if (this.broken) return;
    const value = 'report' in result ? result.report : result.error;
    if (this.out.write(`${JSON.stringify(value)}\n`)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('error', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.once('drain', done);
      this.out.once('error', done);
      this.out.once('close', done);
    });
  }
}

/** A progress line redrawn on a TTY every `everyMs`; does nothing elsewhere. */
export class Progress {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tty: NodeJS.WriteStream,
    private readonly read: () => { summary: ScanSummary; active: number; fraction: number | null },
  ) {}

  /** Starts redrawing (only when the stream is a TTY). */
  start(everyMs = 250): void {
    if (!this.tty.isTTY) return;
    this.timer = setInterval(() => this.draw(), everyMs);
    this.timer.unref();
  }

  /** Stops and clears the line. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.tty.write('\r\x1b[K');
  }

  private draw(): void {
    const { summary, active, fraction } = this.read();
    const line = progressLine(summary, active, fraction);
    this.tty.write(`\r\x1b[K${line.slice(0, Math.max(40, (this.tty.columns || 100) - 1))}`);
  }
}
