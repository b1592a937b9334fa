/**
 * Mutual TLS: whether the server sends a CertificateRequest, which CA names it lists, and
 * whether a given certificate really works. In TLS 1.3 a rejection arrives after the
 * client's handshake is done, so a verdict needs a request and a bounded wait.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { finding } from '../report/findings.js';
import type {
  ClientAuthInfo,
  ClientAuthMode,
  ClientCertVerdict,
  Finding,
} from '../report/model.js';
import type { ConnectionOutcome } from './connection.js';
import type { Credential } from './credentials.js';
import type { HttpObservation } from './http.js';

/** One connection's outcome with its HTTP observation. */
export interface Attempt {
  outcome: ConnectionOutcome;
  http: HttpObservation;
}

/** HTTP statuses that mean "your certificate" (nginx: 400; its own 495/496). */
const CERT_STATUSES = new Set([400, 495, 496]);

function dnString(der: Buffer): string {
  try {
    return new x509.Name(new Uint8Array(der)).toString();
  } catch {
    return `<undecodable name, ${der.length} bytes>`;
  }
}

/** How one attempt ended, from the client's side. */
export function verdictOf(
  a: Attempt,
): Pick<ClientCertVerdict, 'verdict' | 'where' | 'alert' | 'httpStatus'> {
  const serverAlert = a.outcome.transcript.alerts.find(
    (x) => x.from === 'server' && x.description !== 'close_notify',
  );
  const alert =
    serverAlert?.description ?? alertFromCode(a.outcome.failure?.code ?? a.outcome.lateError?.code);
  const status = a.http.info.status;
  if (a.outcome.appconnectAt === null) {
    // A Node server refusing a TLS 1.2 client certificate closes without an alert.
    const where = alert ? 'handshake-alert' : 'closed-before-response';
    return { verdict: 'rejected', where, alert, httpStatus: null };
  }
  if (status !== null) {
    const rejected = CERT_STATUSES.has(status);
    return {
      verdict: rejected ? 'rejected' : 'accepted',
      where: rejected ? 'http-4xx' : null,
      alert: null,
      httpStatus: status,
    };
  }
  if (serverAlert?.afterHandshake || a.outcome.lateError) {
    return { verdict: 'rejected', where: 'post-handshake-alert', alert, httpStatus: null };
  }
  if (a.http.headersAt === null && a.http.info.error && !/within \d+ ms/.test(a.http.info.error)) {
    return { verdict: 'rejected', where: 'closed-before-response', alert: null, httpStatus: null };
  }
  return { verdict: 'inconclusive', where: null, alert: null, httpStatus: null };
}

/**
 * Node's error codes name the alert: ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED →
 * certificate_required.
 */
function alertFromCode(code: string | null | undefined): string | null {
  const m = /^ERR_SSL_(?:TLSV13_|SSLV3_|TLSV1_)?ALERT_(.+)$/.exec(code ?? '');
  return m ? m[1]!.toLowerCase() : null;
}

/** Inputs: the anonymous attempt (no certificate) and one attempt per credential. */
export interface ClientAuthInput {
  anonymous: Attempt;
  offered: Array<{ credential: Credential; attempt: Attempt }>;
  now: Date;
}

/** Analyses client authentication; null when nothing could be learned. */
export function analyzeClientAuth(input: ClientAuthInput): {
  clientAuth: ClientAuthInfo;
  findings: Finding[];
} {
  const request =
    input.anonymous.outcome.transcript.certificateRequest ??
    input.offered.map((o) => o.attempt.outcome.transcript.certificateRequest).find(Boolean) ??
    null;
  const acceptableCAs = (request?.authorities ?? []).map(dnString);
  const anon = verdictOf(input.anonymous);
  const requested = request !== null;
  const mode: ClientAuthMode = !requested
    ? 'none'
    : anon.verdict === 'rejected'
      ? 'required'
      : anon.verdict === 'accepted'
        ? 'optional'
        : 'unknown';
  const info: ClientAuthInfo = {
    certificateRequested: requested,
    mode,
    acceptableCAs,
    signatureAlgorithms: request?.signatureAlgorithms ?? [],
    withoutCertificate: !requested
      ? 'not-requested'
      : anon.verdict === 'rejected'
        ? 'rejected'
        : 'completed',
    offered: input.offered.map((o) => offeredVerdict(o.credential, o.attempt, acceptableCAs)),
  };
  return { clientAuth: info, findings: clientAuthFindings(info, anon, input.now) };
}

function offeredVerdict(
  credential: Credential,
  attempt: Attempt,
  listed: string[],
): ClientCertVerdict {
  const leaf = credential.chain[0];
  const names = credential.chain.flatMap((c) => [c.peculiar.issuer, c.peculiar.subject]);
  return {
    subject: leaf?.peculiar.subject ?? '(unknown)',
    source: credential.source,
    ...verdictOf(attempt),
    issuerListed: listed.length === 0 ? null : names.some((n) => listed.includes(n)),
    notAfter: leaf?.peculiar.notAfter.toISOString() ?? '',
  };
}

function clientAuthFindings(
  info: ClientAuthInfo,
  anon: ReturnType<typeof verdictOf>,
  now: Date,
): Finding[] {
  const out: Finding[] = [];
  if (info.mode === 'required') {
    const how =
      anon.where === 'post-handshake-alert'
        ? ' (TLS 1.3: the alert came after the handshake looked complete)'
        : '';
    out.push(
      finding(
        'client-auth.required',
        'info',
        `The server requires a client certificate${how}.`,
        'Clients without one are refused; the extra Certificate and CertificateVerify add bytes ' +
          'but no round trip.',
        { cas: info.acceptableCAs.length, alert: anon.alert },
      ),
    );
  } else if (info.mode === 'optional') {
    out.push(
      finding(
        'client-auth.optional',
        'info',
        'The server asks for a client certificate but accepts none.',
        'Browsers may show a certificate picker; API clients proceed without one.',
      ),
    );
  }
  for (const v of info.offered) out.push(...offeredFindings(v, now));
  return out;
}

function offeredFindings(v: ClientCertVerdict, now: Date): Finding[] {
  const out: Finding[] = [];
  const detail = { subject: v.subject, where: v.where, alert: v.alert, httpStatus: v.httpStatus };
  if (v.verdict === 'accepted') {
    out.push(
      finding(
        'client-auth.accepted',
        'ok',
        `Client certificate ${v.subject} was accepted.`,
        'Authenticated requests go through on the first handshake.',
        detail,
      ),
    );
  } else if (v.verdict === 'rejected') {
    out.push(
      finding(
        'client-auth.rejected',
        'fail',
        `Client certificate ${v.subject} was rejected (${v.where}${v.alert ? `: ${v.alert}` : ''}` +
          `${v.httpStatus ? `: HTTP ${v.httpStatus}` : ''}).`,
        'Every request with this certificate fails; in TLS 1.3 the failure shows only after the ' +
          'handshake.',
        detail,
      ),
    );
  } else {
    out.push(
      finding(
        'client-auth.inconclusive',
        'warn',
        `No verdict for client certificate ${v.subject}: no response and no alert in time.`,
        'Raise --timeout; the server may be slow or silently dropping the connection.',
        detail,
      ),
    );
  }
  if (v.issuerListed === false) {
    out.push(
      finding(
        'client-auth.issuer-not-listed',
        'warn',
        `The issuer of ${v.subject} is not among the CA names the server lists.`,
        'Clients that pick certificates by the CA list will not offer this one.',
      ),
    );
  }
  if (v.notAfter && new Date(v.notAfter) < now) {
    out.push(
      finding(
        'client-auth.expired',
        'fail',
        `Client certificate ${v.subject} expired on ${v.notAfter}.`,
        'Servers that check validity reject it.',
      ),
    );
  }
  return out;
}
