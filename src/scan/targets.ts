/**
 * Reads a target list (one `host[:port]` per line, `#` comments, blank lines) as a stream:
 * one line at a time, so a list of a million targets never sits in memory.
 */
import { StringDecoder } from 'node:string_decoder';

/** One target line as written, with its 1-based line number. */
export interface TargetLine {
  line: number;
  text: string;
  /** Set when the line was too long to be a target (its text is cut). */
  tooLong?: boolean;
}

/** Longer lines are a bad target, not a reason to buffer without bound. */
export const MAX_LINE_CHARS = 4096;

/** Splits a stream of chunks into target lines; tracks the bytes consumed for progress. */
export class TargetLineReader {
  /** Bytes read from the source so far. */
  bytesRead = 0;
  /** Lines that named a target, handed out so far. */
  private targets = 0;
  private lineNo = 0;
  private partial = '';
  private overflow = false;

  constructor(private readonly source: AsyncIterable<Buffer | string>) {}

  /** Yields the lines that name a target (comments and blank lines dropped). */
  async *lines(): AsyncGenerator<TargetLine> {
    const decoder = new StringDecoder('utf8');
    for await (const chunk of this.source) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      this.bytesRead += chunk.length;
      yield* this.split(text);
    }
    yield* this.split(`${decoder.end()}\n`);
  }

  private *split(text: string): Generator<TargetLine> {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = this.take(text.slice(start, nl));
      start = nl + 1;
      if (!line) continue;
      this.targets += 1;
      yield line;
    }
    this.append(text.slice(start));
  }

  /**
   * How far a scan of a `size`-byte list is, with `done` targets finished (0 to 1): the targets
   * handed out so far, scaled by the share of the file read, estimate the total.
   */
  fraction(size: number, done: number): number {
    const expected = this.targets * Math.max(1, size / Math.max(1, this.bytesRead));
    return Math.min(1, done / Math.max(1, expected));
  }

  /** Completes the current line with `tail`; returns it unless it names no target. */
  private take(tail: string): TargetLine | null {
    this.lineNo += 1;
    const overflow = this.overflow;
    const raw = this.partial + tail;
    this.partial = '';
    this.overflow = false;
    if (overflow || raw.length > MAX_LINE_CHARS) {
      return { line: this.lineNo, text: `${raw.slice(0, 60)}...`, tooLong: true };
    }
    const text = raw.split('#', 1)[0]!.trim();
    return text ? { line: this.lineNo, text } : null;
  }

  /** Keeps the start of an unfinished line, but never more than MAX_LINE_CHARS of it. */
  private append(text: string): void {
    if (this.overflow) return;
    this.partial += text;
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = this.partial.slice(0, 60);
      this.overflow = true;
    }
  }
}
