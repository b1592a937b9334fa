/**
 * notBefore of the client certificates named on the command line, for the rotation window.
 * The report records each certificate's notAfter only; the files are at hand when probing.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClientCertVerdict } from '../report/model.js';

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/;

/** notBefore (ISO) of the first PEM certificate in `path`, or null (PKCS#12, unreadable). */
export function notBeforeOfFile(path: string): string | null {
  try {
    const pem = PEM.exec(readFileSync(path, 'latin1'))?.[0];
    if (!pem) return null;
    const t = Date.parse(new X509Certificate(pem).validFrom);
    return Number.isFinite(t) ? new Date(t).toISOString() : null;
  } catch {
    return null;
  }
}

/** A lookup for RotationOptions.notBeforeOf, reading only files the user named. */
export function notBeforeFromFiles(files: string[]): (v: ClientCertVerdict) => string | null {
  const named = new Set(files);
  return (v) => (named.has(v.source) ? notBeforeOfFile(v.source) : null);
}
