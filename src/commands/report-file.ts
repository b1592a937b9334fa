/**
 * Reading saved reports (`--report FILE`, `tlsflight diff OLD NEW`): every problem is one
 * line naming the file, with code BAD_FILE (unreadable) or BAD_REPORT (not a usable report).
 */
import { readFile } from 'node:fs/promises';
import { checkReportVersion } from '../diff/diff.js';
import { describeError, TlsflightError } from '../errors.js';
import type { Report } from '../report/model.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Loads a report written by `--output` or `--format json`; throws TlsflightError on any fault. */
export async function readReportFile(path: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeError(err);
    throw new TlsflightError('BAD_FILE', `cannot read report ${path}: ${why}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new TlsflightError('BAD_REPORT', `${path} is not JSON: ${describeError(err)}`, {
      cause: err,
    });
  }
  if (!isObject(data) || !('reportVersion' in data)) {
    throw new TlsflightError('BAD_REPORT', `${path} is not a tlsflight report (no reportVersion)`);
  }
  checkReportVersion(data, path);
  const target = data.target;
  if (!isObject(target) || typeof target.host !== 'string' || !Array.isArray(data.findings)) {
    throw new TlsflightError(
      'BAD_REPORT',
      `${path} is not a tlsflight report (no target or findings)`,
    );
  }
  return data as unknown as Report;
}
