/**
 * Errors for bad usage and bad configuration. Faults of a target are findings in the
 * report and never use these classes.
 */

/** Stable codes a caller (or a test) can match on. */
export type ErrorCode =
  | 'BAD_TARGET'
  | 'DNS_FAILED'
  | 'CONNECT_FAILED'
  | 'TIMEOUT'
  | 'NOT_TLS'
  | 'BAD_FILE'
  | 'BAD_CREDENTIALS'
  | 'BAD_PASSPHRASE'
  | 'LEGACY_PKCS12'
  | 'BAD_OPTION'
  | 'BAD_REPORT'
  | 'WRITE_FAILED';

/** A usage or configuration error: the CLI prints `message` on one line and exits 2. */
export class TlsflightError extends Error {
  override readonly name = 'TlsflightError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Short text of any thrown value, for one-line messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // OpenSSL's "...:SSL routines:fn:reason:file:line:..." becomes just the reason.
    const ssl = /routines:[^:]*:([^:]+)(?::|$)/.exec(err.message);
    const message = ssl ? ssl[1]! : err.message;
    return code && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(err);
}
