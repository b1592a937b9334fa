/** Writes files atomically (temp file in the same folder, then rename): never half-written. */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError, TlsflightError } from '../errors.js';

/** Writes `data` to `file` so readers see the old file or the whole new one. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(tmp, data, { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new TlsflightError('WRITE_FAILED', `cannot write ${file}: ${describeError(err)}`, {
      cause: err,
    });
  }
}
