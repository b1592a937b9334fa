/**
 * The chain as the server sent it: order, completeness, extra root, bytes, expiry,
 * hostname and trust. Reads the capture's Certificate message, not Node's verified path.
 */
import type { X509Certificate as NodeX509 } from 'node:crypto';
import { finding } from '../report/findings.js';
import type { ChainInfo, Finding } from '../report/model.js';
import { describeCertificate, issued, type ParsedCertificate } from './certificate.js';

/** Inputs of the chain analysis. */
export interface ChainInput {
  certificates: ParsedCertificate[];
  certificateMessageBytes: number | null;
  /** Node's trust roots plus --ca, parsed only after the handshakes. */
  anchors: () => NodeX509[];
  /** Node's verdict; null when the handshake never completed (e.g. refused for mTLS). */
  authorized: boolean | null;
  authorizationError: string | null;
  /** Name checked against the leaf: SNI, or the IP literal when there is none. */
  hostname: string;
  now: Date;
  expiryWarningDays: number;
}

const DAY_MS = 86_400_000;

/** Node's own hostname check: the chain itself verified; the name is judged on its own. */
const HOSTNAME_ERROR = 'ERR_TLS_CERT_ALTNAME_INVALID';

/** Trust errors that an expiry finding already explains. */
const EXPLAINED_BY: Record<string, string> = {
  CERT_HAS_EXPIRED: 'chain.expired',
  CERT_NOT_YET_VALID: 'chain.not-yet-valid',
};

/** Analyses the chain; returns null when no certificate was seen. */
export function analyzeChain(input: ChainInput): { chain: ChainInfo | null; findings: Finding[] } {
  const certs = input.certificates;
  if (certs.length === 0) return { chain: null, findings: [] };
  const leaf = certs[0]!;
  const described = certs.map((c, i) => describeCertificate(c, i));
  const orderCorrect = certs.every((c, i) => i === 0 || issued(c.node, certs[i - 1]!.node));
  const rootIncluded = described.some((d, i) => i > 0 && d.selfSigned);
  const path = walkToAnchor(certs, input.anchors());
  // trunc, not floor: a leaf that expired an hour ago has 0 days left, not -1 (|| 0: no -0).
  const leafDaysLeft =
    Math.trunc((leaf.peculiar.notAfter.getTime() - input.now.getTime()) / DAY_MS) || 0;
  // Without a completed handshake Node gave no verdict: the path to an anchor is ours.
  const trusted =
    input.authorized === null
      ? path.anchored
      : input.authorized || input.authorizationError === HOSTNAME_ERROR;
  // Only a leaf whose issuer was neither sent nor trusted proves a missing intermediate; a
  // chain stopping at a CA (a private root without --ca) is an untrust verdict instead.
  const missing = !path.anchored && path.last === leaf.node && !described[0]!.selfSigned;
  const chain: ChainInfo = {
    certificates: described,
    certificateMessageBytes: input.certificateMessageBytes,
    orderCorrect,
    complete: !missing,
    rootIncluded,
    hostnameMatches: matchesHost(leaf.node, input.hostname),
    trusted,
    trustError: trusted ? null : input.authorizationError,
    leafDaysLeft,
  };
  return { chain, findings: chainFindings(chain, certs, input) };
}

/** Follows issuers through the certificates sent, in any order, towards a trust anchor. */
function walkToAnchor(
  certs: ParsedCertificate[],
  anchors: NodeX509[],
): { anchored: boolean; last: NodeX509 } {
  let current = certs[0]!.node;
  const pool = certs.slice(1).map((c) => c.node);
  for (let depth = 0; depth < 10; depth++) {
    if (anchors.some((a) => a.fingerprint256 === current.fingerprint256 || issued(a, current))) {
      return { anchored: true, last: current };
    }
    const next = pool.find((c) => c !== current && issued(c, current));
    if (!next) break;
    current = next;
  }
  return { anchored: false, last: current };
}

function matchesHost(leaf: NodeX509, hostname: string): boolean | null {
  if (!hostname) return null;
  const isIp = /^[\d.]+$|:/.test(hostname);
  return (isIp ? leaf.checkIP(hostname) : leaf.checkHost(hostname)) !== undefined;
}

function chainFindings(chain: ChainInfo, certs: ParsedCertificate[], input: ChainInput): Finding[] {
  const out: Finding[] = [];
  const leaf = chain.certificates[0]!;
  if (!chain.orderCorrect) {
    out.push(
      finding(
        'chain.order',
        'warn',
        'Certificates are not sent in issuing order (each should be issued by the next).',
        'Strict clients reject the chain; others spend time re-sorting or fetching.',
      ),
    );
  }
  if (!chain.complete) out.push(missingIntermediate(leaf.caIssuerUrls));
  if (chain.rootIncluded) {
    out.push(
      finding(
        'chain.extra-root',
        'info',
        'The server sends a self-signed root certificate that clients already hold.',
        'Every first handshake carries the extra bytes for nothing; it can push the flight past ' +
          'the initial window.',
        {
          bytes: chain.certificates
            .filter((c) => c.index > 0 && c.selfSigned)
            .reduce((n, c) => n + c.bytes, 0),
        },
      ),
    );
  }
  if (chain.hostnameMatches === false) {
    out.push(
      finding(
        'chain.hostname-mismatch',
        'fail',
        `The leaf certificate does not cover ${input.hostname}.`,
        'Browsers and API clients refuse the connection.',
        { hostname: input.hostname },
      ),
    );
  }
  out.push(...expiryFindings(certs, input));
  for (const cert of chain.certificates.filter((c) => c.problems.length > 0)) {
    out.push(
      finding(
        'chain.malformed-certificate',
        'fail',
        `Certificate #${cert.index} does not decode cleanly (${cert.problems.join('; ')}).`,
        'Strict clients reject the chain; others may ignore the broken field.',
        { index: cert.index },
      ),
    );
  }
  const explained = out.some((f) => f.id === EXPLAINED_BY[chain.trustError ?? '']);
  if (!chain.trusted && chain.complete && !explained) {
    out.push(
      finding(
        'chain.untrusted',
        'fail',
        `The chain is not trusted: ${chain.trustError ?? 'unknown reason'}.`,
        'Clients with the same trust store refuse the connection.',
        { error: chain.trustError },
      ),
    );
  }
  if (out.length === 0) {
    out.push(
      finding(
        'chain.ok',
        'ok',
        `Chain of ${chain.certificates.length} sent in order and trusted.`,
        'No extra fetches or retries for clients.',
      ),
    );
  }
  return out;
}

function missingIntermediate(caIssuerUrls: string[]): Finding {
  const aia = caIssuerUrls[0];
  return finding(
    'chain.incomplete',
    'fail',
    'The chain sent does not reach a trusted root: an intermediate is missing.',
    aia
      ? `Clients that fetch it via AIA (${aia}) pay an extra DNS+TCP+HTTP trip; Node, curl and ` +
          `most API clients fail.`
      : 'The leaf names no caIssuers URL, so no client can repair the chain: connections fail.',
    { caIssuers: aia ?? null },
  );
}

function expiryFindings(certs: ParsedCertificate[], input: ChainInput): Finding[] {
  const out: Finding[] = [];
  const now = input.now.getTime();
  certs.forEach((c, i) => {
    const role = i === 0 ? 'leaf' : `certificate #${i}`;
    const notAfter = c.peculiar.notAfter.getTime();
    const notBefore = c.peculiar.notBefore.getTime();
    const detail = { index: i, notAfter: c.peculiar.notAfter.toISOString() };
    if (notAfter < now) {
      out.push(
        finding(
          'chain.expired',
          'fail',
          `The ${role} expired on ${detail.notAfter}.`,
          'Clients refuse the connection.',
          detail,
        ),
      );
    } else if (notBefore > now) {
      out.push(
        finding(
          'chain.not-yet-valid',
          'fail',
          `The ${role} is not valid before ${c.peculiar.notBefore.toISOString()}.`,
          'Clients refuse the connection until then (or until their clock catches up).',
          detail,
        ),
      );
    } else if (notAfter - now < input.expiryWarningDays * DAY_MS) {
      const days = Math.floor((notAfter - now) / DAY_MS);
      out.push(
        finding(
          'chain.expiring',
          'warn',
          `The ${role} expires in ${days} days.`,
          'Renew before clients start refusing the connection.',
          { ...detail, days },
        ),
      );
    }
  });
  return out;
}
