/**
 * Client certificate rotation: the two-trust window, read from the verdicts a probe recorded
 * for several client certificates (`--client-cert old.pem ... --client-cert new.pem ...`).
 *
 * Old and new: the offered certificate with the earliest notAfter is the old one, the one with
 * the latest the new one (flag order breaks ties). The window opens when the new certificate
 * can be used against this server: the later of its notBefore (when known) and, if the server
 * refuses it at report time, the report time itself. The window is open while both work.
 */
import { finding } from '../report/findings.js';
import type { ClientCertVerdict, Finding, Report } from '../report/model.js';
import type { RotationAssessment } from './types.js';

/** Extra facts about the offered certificates that the report may not carry. */
export interface RotationOptions {
  /** notBefore of an offered certificate (the command layer reads it from the file). */
  notBeforeOf?: (verdict: ClientCertVerdict) => string | null;
}

/** The old and new certificate among those offered, or null with fewer than two. */
export function oldAndNew(
  offered: ClientCertVerdict[],
): [ClientCertVerdict, ClientCertVerdict] | null {
  if (offered.length < 2) return null;
  const byExpiry = offered
    .map((v, i) => ({ v, i, t: Date.parse(v.notAfter) || 0 }))
    .sort((a, b) => a.t - b.t || a.i - b.i);
  return [byExpiry[0]!.v, byExpiry.at(-1)!.v];
}

function notBeforeOf(v: ClientCertVerdict, options: RotationOptions): string | null {
  // A later model may carry notBefore on the verdict itself; prefer it when present.
  const own = (v as { notBefore?: unknown }).notBefore;
  return typeof own === 'string' ? own : (options.notBeforeOf?.(v) ?? null);
}

/** When the window opens (ISO), or null when it was already open at report time. */
function windowOpens(
  newer: ClientCertVerdict,
  notBefore: string | null,
  asOf: string,
): string | null {
  const times = [notBefore ? Date.parse(notBefore) : Number.NaN];
  if (newer.verdict !== 'accepted') times.push(Date.parse(asOf));
  const known = times.filter(Number.isFinite);
  return known.length ? new Date(Math.max(...known)).toISOString() : null;
}

function stateOf(old: ClientCertVerdict, newer: ClientCertVerdict): RotationAssessment['state'] {
  const o = old.verdict === 'accepted';
  const n = newer.verdict === 'accepted';
  return o && n ? 'ready' : o ? 'not-ready' : n ? 'retired' : 'broken';
}

/** The two-trust window of a rotation, or null when fewer than two certificates were offered. */
export function assessRotation(
  report: Report,
  options: RotationOptions = {},
): RotationAssessment | null {
  const pair = oldAndNew(report.clientAuth?.offered ?? []);
  if (!pair) return null;
  const [old, newer] = pair;
  const notBefore = notBeforeOf(newer, options);
  const opens = windowOpens(newer, notBefore, report.startedAt);
  const gap = opens !== null && Date.parse(old.notAfter) < Date.parse(opens);
  const state = stateOf(old, newer);
  return {
    old: { subject: old.subject, source: old.source, verdict: old.verdict, notAfter: old.notAfter },
    new: { subject: newer.subject, source: newer.source, verdict: newer.verdict, notBefore },
    state,
    windowOpens: opens,
    gap,
    findings: rotationFindings(old, newer, state, gap ? opens : null),
  };
}

const day = (iso: string) => iso.slice(0, 10);

function how(v: ClientCertVerdict): string {
  if (v.verdict === 'inconclusive') return 'gets no verdict';
  const where = [v.where, v.alert, v.httpStatus ? `HTTP ${v.httpStatus}` : null].filter(Boolean);
  return `is rejected${where.length ? ` (${where.join(': ')})` : ''}`;
}

function rotationFindings(
  old: ClientCertVerdict,
  newer: ClientCertVerdict,
  state: RotationAssessment['state'],
  gapOpens: string | null,
): Finding[] {
  const detail = { old: old.subject, new: newer.subject, oldNotAfter: old.notAfter };
  const out: Finding[] = [stateFinding(old, newer, state, detail)];
  if (gapOpens) {
    out.push(
      finding(
        'rotation.gap',
        'warn',
        `The old client certificate ${old.subject} expires on ${day(old.notAfter)}, before the ` +
          `two-trust window opens (${day(gapOpens)}).`,
        'Between those dates neither certificate works: clients are locked out unless the new ' +
          'one is trusted and valid sooner.',
        { ...detail, windowOpens: gapOpens },
      ),
    );
  }
  return out;
}

function stateFinding(
  old: ClientCertVerdict,
  newer: ClientCertVerdict,
  state: RotationAssessment['state'],
  detail: Finding['detail'],
): Finding {
  if (state === 'ready') {
    return finding(
      'rotation.window-open',
      'ok',
      `Two-trust window open: old ${old.subject} and new ${newer.subject} are both accepted.`,
      `Clients can switch to the new certificate any time before the old one expires on ` +
        `${day(old.notAfter)}.`,
      detail,
    );
  }
  if (state === 'not-ready') {
    const listed =
      newer.issuerListed === false ? '; its issuer is not among the CA names the server lists' : '';
    return finding(
      'rotation.not-ready',
      'warn',
      `Rotation not ready: the new client certificate ${newer.subject} ${how(newer)}${listed}.`,
      'Clients switched to it now would be refused: trust its issuer on the server first, ' +
        'keeping the old one.',
      detail,
    );
  }
  if (state === 'retired') {
    return finding(
      'rotation.old-retired',
      'info',
      `Only the new client certificate ${newer.subject} is accepted; the old ${old.subject} ` +
        `${how(old)}.`,
      'Clients still on the old certificate fail; expected once every client has switched.',
      detail,
    );
  }
  return finding(
    'rotation.broken',
    'fail',
    `Neither the old ${old.subject} nor the new ${newer.subject} client certificate is accepted.`,
    'Every authenticated client fails, whichever certificate it holds.',
    detail,
  );
}
