/**
 * The FAQ diagnoses, said only where the data supports them: staples on some terminators only,
 * resumption dropped after a certificate change (two reports), mTLS asked of browser-facing
 * traffic.
 */
import type { Report } from '../report/model.js';
import { mixedStapling, resumptionPercent, resumptionText } from './pool-view.js';
import type { Note, Shape } from './types.js';

/** "We stapled OCSP but some clients still stall": the pool has terminators without a staple. */
export function stapledOnSomeTerminators(report: Report): Note | null {
  const mixed = mixedStapling(report);
  if (!mixed) return null;
  const total = mixed.with.length + mixed.without.length;
  return {
    id: 'faq.staples-on-some-terminators',
    severity: 'warn',
    text:
      `Only ${mixed.with.length} of ${total} terminators staple (missing on ` +
      `${mixed.without.join(', ')}): clients that land there still stall on OCSP.`,
    mitigation:
      'Enable stapling in the shared terminator configuration, then re-probe every address.',
    measured: true,
  };
}

/** Browsers show a certificate picker (optional) or fail (required) when a site asks for one. */
export function mtlsOnBrowserTraffic(report: Report, shape: Shape): Note | null {
  const c = report.clientAuth;
  if (shape !== 'public-api' || !c?.certificateRequested) return null;
  const effect =
    c.mode === 'required'
      ? 'browsers without one fail to connect'
      : 'browsers may show a certificate picker';
  return {
    id: 'faq.mtls-on-browser-traffic',
    severity: 'warn',
    text: `A client certificate is asked of browser-facing traffic (${c.mode}): ${effect}.`,
    mitigation:
      'Ask for client certificates only on a separate host name or listener for machine clients.',
    measured: true,
  };
}

/** A fall of at least this many percentage points counts as "resumption dropped". */
const DROP_POINTS = 50;

function keyChanged(before: Report, after: Report): boolean {
  const a = before.chain?.certificates[0]?.spkiSha256;
  const b = after.chain?.certificates[0]?.spkiSha256;
  return a !== undefined && b !== undefined && a !== b;
}

function leafChanged(before: Report, after: Report): boolean {
  const a = before.chain?.certificates[0]?.sha256;
  const b = after.chain?.certificates[0]?.sha256;
  return a !== undefined && b !== undefined && a !== b;
}

/**
 * "Resumption dropped after a harmless certificate change": resumed before, not after, with a
 * new leaf in between. The usual cause is a deploy that regenerated the ticket keys.
 */
export function resumptionDroppedAfterCertChange(before: Report, after: Report): Note | null {
  const [was, now] = [resumptionPercent(before), resumptionPercent(after)];
  if (was === null || now === null || was - now < DROP_POINTS || !leafChanged(before, after))
    return null;
  const what = keyChanged(before, after)
    ? 'the certificate and its key were replaced'
    : 'the certificate was replaced';
  const issued = after.resumption?.offered !== 'none';
  const cause = issued
    ? 'tickets are still issued but no longer accepted: the ticket keys changed with the deploy ' +
      '(or are not shared)'
    : 'tickets are no longer issued';
  return {
    id: 'faq.resumption-dropped-after-cert-change',
    severity: 'warn',
    text:
      `Resumption fell from ${resumptionText(before)} to ${resumptionText(after)} after ` +
      `${what}: ${cause}.`,
    mitigation:
      'Keep session ticket keys in a file shared by every terminator and outside the certificate ' +
      'deploy.',
    measured: true,
  };
}

/** The single-report diagnoses for a shape. */
export function diagnose(report: Report, shape: Shape, previous?: Report): Note[] {
  return [
    stapledOnSomeTerminators(report),
    mtlsOnBrowserTraffic(report, shape),
    previous ? resumptionDroppedAfterCertChange(previous, report) : null,
  ].filter((n): n is Note => n !== null);
}
