/**
 * A fixed set of workers pulling from one async source: at most `concurrency` items are in
 * flight and the source is read only as fast as workers free up (no array of pending promises).
 */

/** Runs `work` on every item of `source`, `concurrency` at a time; stops early when `stop()`. */
export async function runPool<T>(
  source: AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  // Concurrent next() calls on an async generator queue up: each item goes to one worker.
  const worker = async () => {
    while (!stop()) {
      const next = await iterator.next();
      if (next.done) return;
      await work(next.value);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await iterator.return?.();
  }
}
