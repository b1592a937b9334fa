/**
 * Client authentication rows of the rotation matrix: the CA names in the CertificateRequest,
 * the mode, and the verdict on each client certificate offered in both reports.
 */
import type { ClientAuthMode, Report } from '../report/model.js';
import { type Change, change } from './types.js';

/** CA names added to or removed from the CertificateRequest. */
export function caListChanges(a: Report, b: Report): Change[] {
  const [x, y] = [a.clientAuth, b.clientAuth];
  if (!x?.certificateRequested || !y?.certificateRequested) return [];
  const added = y.acceptableCAs.filter((n) => !x.acceptableCAs.includes(n));
  const removed = x.acceptableCAs.filter((n) => !y.acceptableCAs.includes(n));
  if (added.length === 0 && removed.length === 0) return [];
  const parts = [
    added.length ? `added ${added.join('; ')}` : null,
    removed.length ? `removed ${removed.join('; ')}` : null,
  ].filter(Boolean);
  const impact = removed.length
    ? 'Clients pick their certificate from this list: holders of certificates from a removed CA ' +
      'stop offering them and are refused.'
    : 'Certificates from the added CA now work: the first half of a two-trust rotation.';
  const mitigation = removed.length
    ? 'Remove an old client CA only after every client has switched; re-add it if some have not.'
    : 'Issue from the new CA now; remove the old one only after every client has switched.';
  return [
    change(
      'client-auth-cas',
      removed.length ? 'warn' : 'info',
      `Client CA list ${parts.join(', ')}.`,
      impact,
      mitigation,
      x.acceptableCAs.join('; '),
      y.acceptableCAs.join('; '),
    ),
  ];
}

const MODE_IMPACT: Record<ClientAuthMode, string> = {
  none: 'Clients are no longer asked for a certificate: TLS no longer authenticates them.',
  optional: 'Clients are asked for a certificate but get in without one.',
  required: 'Clients without an accepted certificate are now refused.',
  unknown: 'The server asks for a certificate; this probe could not tell whether it is required.',
};

/** Client auth mode none / optional / required changed. */
export function modeChanges(a: Report, b: Report): Change[] {
  const [x, y] = [a.clientAuth?.mode, b.clientAuth?.mode];
  if (!x || !y || x === y) return [];
  const severity = y === 'required' || x === 'required' ? 'warn' : 'info';
  return [
    change(
      'client-auth-mode',
      severity,
      `Client authentication ${x} → ${y}.`,
      MODE_IMPACT[y],
      y === 'required'
        ? 'Make sure every client holds an accepted certificate before enforcing.'
        : 'Confirm the change was intended.',
      x,
      y,
    ),
  ];
}

/** Verdicts on the same client certificate (matched by subject) in both reports. */
export function verdictChanges(a: Report, b: Report): Change[] {
  const before = a.clientAuth?.offered ?? [];
  const out: Change[] = [];
  for (const v of b.clientAuth?.offered ?? []) {
    const old = before.find((o) => o.subject === v.subject);
    if (!old || old.verdict === v.verdict) continue;
    const lost = old.verdict === 'accepted';
    out.push(
      change(
        'client-cert-verdict',
        lost ? 'fail' : 'ok',
        `Client certificate ${v.subject}: ${old.verdict} → ${v.verdict}.`,
        lost
          ? 'Clients holding this certificate are now refused.'
          : 'Clients holding this certificate now get in.',
        lost
          ? 'Trust its issuer again (or finish moving its holders to the new certificate).'
          : 'None needed.',
        old.verdict,
        v.verdict,
      ),
    );
  }
  return out;
}
