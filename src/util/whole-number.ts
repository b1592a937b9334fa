/** The one check behind every count-like flag (--timeout, --concurrency, --pool-max...). */
import { TlsflightError } from '../errors.js';

/** Parses a whole number from 1 to `max`; anything else is a usage error naming the flag. */
export function wholeNumber(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new TlsflightError(
      'BAD_OPTION',
      `bad ${flag} '${value}': expected a whole number from 1 to ${max}`,
    );
  }
  return n;
}
