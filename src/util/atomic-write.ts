/** Writes files atomically (temp file in the same folder, then rename): never half-written. */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError, TlsflightError } from '../errors.js';

/** Checks, before any work, that `file` can be written: its folder exists and is writable. */
export async function assertWritable(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new TlsflightError('WRITE_FAILED', `cannot write ${file}: folder ${dir} does not exist`);
  }
  if ((await stat(file).catch(() => null))?.isDirectory()) {
    throw new TlsflightError('WRITE_FAILED', `cannot write ${file}: it is a folder`);
  }
  await access(dir, constants.W_OK).catch((err) => {
    throw new TlsflightError('WRITE_FAILED', `cannot write ${file}: ${describeError(err)}`);
  });
}

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
    // The message names the user's file, not the temp file it failed on.
    const cause = describeError(err).replaceAll(tmp, file);
    throw new TlsflightError('WRITE_FAILED', `cannot write ${file}: ${cause}`, { cause: err });
  }
}
