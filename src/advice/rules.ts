/**
 * The decision matrix, in one place: which controls come first for each traffic shape, how a
 * report shows that each is in place, what it saves, and the watch-outs of each shape.
 *
 *   control        what                                   public-api  registry  mesh
 *   chain-valid    complete, ordered, trusted chain            1          1        1
 *   tls13          TLS 1.3 (1 round trip, not 2)               1          2        2
 *   h2-h3          HTTP/2 or HTTP/3                             1          2        3
 *   resumption     session tickets that are accepted            1          2        1
 *   stapling       OCSP staple on every terminator              1          1        -
 *   chain-size     short chain within the initial window        2          1        3
 *   no-hrr         no HelloRetryRequest                         2          2        2
 *   reuse          connection reuse (keep-alive)                2          1        2
 *   mtls           mTLS, short-lived automated client certs     -          -        1
 *
 *   watch-out                 shapes       applies when
 *   early-data-replay         public-api   tickets advertise max_early_data
 *   pool-ticket-keys          public-api   the pool's terminators do not share ticket keys
 *   mtls-without-policy       registry     a client certificate is asked for
 *   ca-sprawl                 mesh         more than 2 client CAs are listed
 *   long-lived-client-cert    mesh         an offered client cert is valid > 30 more days
 */
import { SCENARIO } from '../model/whatif.js';
import type { Report } from '../report/model.js';
import { mixedStapling, poolOf, ticketGroups, ticketKeysShared } from './pool-view.js';
import {
  extraWindowRoundTrips,
  FALLBACK,
  modelSaving,
  scenarioSaving,
  tlsRoundTrips,
} from './round-trips.js';
import type { Check, Control, Priority, Saving, Shape, Status, WatchOutRule } from './types.js';

const P = (publicApi: Priority, registry: Priority, mesh: Priority): Record<Shape, Priority> => ({
  'public-api': publicApi,
  registry,
  mesh,
});

// biome-ignore format: one row per control reads as the matrix above
/** The controls, each with its priority per shape (see the matrix above). */
export const CONTROLS: readonly Control[] = [
  { id: 'chain-valid', control: 'Complete, trusted chain', priority: P(1, 1, 1),
    check: chainValid, saving: aiaSaving, severity: 'fail',
    action: 'Serve the leaf and its intermediates in order (no root); fix trust, hostname and expiry.' },
  { id: 'tls13', control: 'TLS 1.3', priority: P(1, 2, 2),
    check: tls13, saving: tls13Saving,
    action: 'Enable TLS 1.3 on every terminator (keep 1.2 for old clients).' },
  { id: 'h2-h3', control: 'HTTP/2 or HTTP/3', priority: P(1, 2, 3),
    check: httpVersion, saving: (r, rtt, st) => reuseSaving(r, rtt, st, 'each parallel request kept on one connection'),
    action: 'Offer h2 in ALPN and advertise h3 with Alt-Svc, so parallel requests share one handshake.' },
  { id: 'resumption', control: 'Session resumption', priority: P(1, 2, 1),
    check: resumption, saving: resumptionSaving,
    action: 'Issue session tickets and accept them on every terminator (shared, rotated ticket keys).' },
  { id: 'stapling', control: 'OCSP stapling on every terminator', priority: P(1, 1, null),
    check: stapling, saving: staplingSaving,
    action: 'Staple a fresh OCSP response on every terminator (prefetched, not fetched on demand).' },
  { id: 'chain-size', control: 'Short chain', priority: P(2, 1, 3),
    check: chainSize, saving: chainSizeSaving,
    action: 'Drop the root and needless cross-signs; prefer ECDSA keys to fit the first flight.' },
  { id: 'no-hrr', control: 'No HelloRetryRequest', priority: P(2, 2, 2),
    check: helloRetry, saving: helloRetrySaving,
    action: "List X25519 first in the server's groups so the client's first key share is accepted." },
  { id: 'reuse', control: 'Connection reuse', priority: P(2, 1, 2),
    check: reuse, saving: (r, rtt, st) => reuseSaving(r, rtt, st, 'each request that reuses a connection'),
    action: 'Keep connections alive (and pooled in clients) so requests skip TCP and TLS entirely.' },
  { id: 'mtls', control: 'Mutual TLS with short-lived client certificates', priority: P(null, null, 1),
    check: mutualTls, saving: () => null,
    action: 'Require client certificates, issued and renewed automatically with short lifetimes.' },
];

// biome-ignore format: one row per watch-out reads as the table above
/** The watch-outs of each shape. */
export const WATCH_OUTS: readonly WatchOutRule[] = [
  { id: 'early-data-replay', shapes: ['public-api'], severity: 'warn',
    applies: earlyDataRisk,
    text: (r) => `${poolOf(r)?.earlyData.result === 'accepted' ? 'Early data (0-RTT) is accepted' : 'Tickets advertise 0-RTT early data'}: a request sent as early data can be replayed.`,
    unmeasured: 'Whether tickets allow 0-RTT early data (resumption was not probed).',
    mitigation: 'Accept early data only for idempotent requests (or turn it off).' },
  { id: 'pool-ticket-keys', shapes: ['public-api'], severity: 'warn',
    applies: (r) => { const shared = ticketKeysShared(r); return shared === null ? null : !shared; },
    text: (r) => `Terminators do not all share ticket keys (groups ${ticketGroups(r)}): a client moved by the load balancer pays a full handshake.`,
    unmeasured: 'Ticket-key sharing across terminators (probe every address: --all-addresses or --pool).',
    mitigation: 'Distribute one ticket key set to every terminator and rotate it everywhere at once.' },
  { id: 'mtls-without-policy', shapes: ['registry'], severity: 'info',
    applies: (r) => (r.clientAuth ? r.clientAuth.certificateRequested : null),
    text: (r) => `The server asks for a client certificate (${r.clientAuth?.mode}): worth it only when policy demands device identity.`,
    unmeasured: 'Whether the server asks for client certificates.',
    mitigation: 'Drop the CertificateRequest unless device identity is required; use tokens for people.' },
  { id: 'ca-sprawl', shapes: ['mesh'], severity: 'warn',
    applies: (r) => (r.clientAuth ? r.clientAuth.acceptableCAs.length > 2 : null),
    text: (r) => `The server trusts ${r.clientAuth?.acceptableCAs.length} client CAs: every extra CA widens who can get in.`,
    unmeasured: 'How many client CAs the server trusts.',
    mitigation: 'Keep one client CA (two only during a rotation window) per trust domain.' },
  { id: 'long-lived-client-cert', shapes: ['mesh'], severity: 'warn',
    applies: (r) => longLivedClientCert(r),
    text: (r) => `A client certificate stays valid ${maxClientDaysLeft(r)} more days: a stolen key works that long.`,
    unmeasured: 'Client certificate lifetimes (offer them with --cert/--key or --client-cert/--client-key).',
    mitigation: 'Issue client certificates for hours or days, renewed automatically by the mesh.' },
];

/**
 * Below this resumption rate (percent, from the pool's chain of attempts) resumption needs
 * work.
 */
export const MIN_RESUMPTION_RATE = 90;

/** Client certificates valid this many more days count as long-lived. */
export const LONG_LIVED_DAYS = 30;

const rtt = (n: number) => `${n} round trip${n === 1 ? '' : 's'}`;
const right = (evidence: string): Check => ({ status: 'right', evidence });
const change = (evidence: string): Check => ({ status: 'change', evidence });
const unmeasured = (evidence: string): Check => ({ status: 'unmeasured', evidence });

function chainValid(r: Report): Check {
  const c = r.chain;
  if (!c) return unmeasured('No certificate chain was captured.');
  const problems = [
    !c.trusted && `not trusted (${c.trustError ?? 'unknown reason'})`,
    !c.complete && 'an intermediate is missing',
    !c.orderCorrect && 'the order is wrong',
    c.hostnameMatches === false && 'the hostname does not match',
    c.leafDaysLeft !== null && c.leafDaysLeft < 0 && 'the leaf has expired',
  ].filter(Boolean);
  if (problems.length) return change(`The chain as sent: ${problems.join('; ')}.`);
  return right(`${c.certificates.length} certificates sent in order, trusted, hostname matches.`);
}

function aiaSaving(r: Report, rttMs: number): Saving | null {
  if (r.chain?.complete !== false) return null;
  return modelSaving(
    FALLBACK.aiaFetch,
    rttMs,
    'each client that fetches the missing intermediate (the others fail)',
  );
}

function tls13(r: Report): Check {
  const v = r.handshake?.version;
  if (!v) return unmeasured('The handshake did not complete.');
  const tls = tlsRoundTrips(r);
  const measured = tls.basis === 'measured' ? ` (${rtt(tls.value)} measured)` : '';
  return v === 'TLSv1.3'
    ? right(`TLS 1.3 negotiated${measured}.`)
    : change(`${v} negotiated${measured}.`);
}

function tls13Saving(r: Report, rttMs: number, st: Status): Saving {
  const per = 'each first visit';
  const scenarios = { with: SCENARIO.firstTls13, without: SCENARIO.firstTls12, per };
  return (
    scenarioSaving(r, rttMs, st, scenarios) ??
    modelSaving(FALLBACK.tls12Full - FALLBACK.tls13Full, rttMs, per)
  );
}

function httpVersion(r: Report): Check {
  if (!r.handshake?.version) return unmeasured('The handshake did not complete.');
  const h3 = r.http?.http3Advertised ? ', HTTP/3 advertised' : ', no HTTP/3 advertised';
  const alpn = `ALPN ${r.handshake.alpn ?? 'none'}${h3}`;
  return r.handshake.alpn === 'h2' || r.http?.http3Advertised
    ? right(`${alpn}.`)
    : change(`${alpn} (for the protocols this probe offered).`);
}

function reuseSaving(r: Report, rttMs: number, st: Status, per: string): Saving {
  const scenarios = { with: SCENARIO.nextKeepAlive, without: SCENARIO.nextNewConnection, per };
  const fresh = FALLBACK.tcp + tlsRoundTrips(r).value;
  return scenarioSaving(r, rttMs, st, scenarios) ?? modelSaving(fresh, rttMs, per);
}

function resumption(r: Report): Check {
  const s = r.resumption;
  if (!s) return unmeasured('Resumption was not probed.');
  const rate = poolOf(r)?.resumptionRate;
  if (rate) {
    const text = `${rate.explanation}`;
    return rate.ratePercent >= MIN_RESUMPTION_RATE ? right(text) : change(text);
  }
  if (s.resumed) {
    return right(
      `Resumed with ${s.mechanism} on the next connection (TLS ${s.appconnectFullMs} ms full, ` +
        `${s.appconnectResumedMs} ms resumed).`,
    );
  }
  if (s.offered === 'none') return change('No session ticket or session ID was issued.');
  return change(`A ${s.offered} was issued but not accepted on the next connection.`);
}

function resumptionSaving(r: Report, rttMs: number, st: Status): Saving {
  const per = 'each returning visit';
  const bytes = r.chain?.certificateMessageBytes ?? undefined;
  const scenarios = { with: SCENARIO.repeatResumed, without: SCENARIO.repeatFull, per };
  const fallback = modelSaving(Math.max(0, tlsRoundTrips(r).value - FALLBACK.resumed), rttMs, per);
  const saving = scenarioSaving(r, rttMs, st, scenarios) ?? fallback;
  return bytes ? { ...saving, bytes } : saving;
}

function stapling(r: Report): Check {
  const s = r.stapling;
  if (!s || s.state === 'not-requested') return unmeasured('No OCSP staple was requested.');
  const mixed = mixedStapling(r);
  if (mixed) {
    const total = mixed.with.length + mixed.without.length;
    return change(
      `Stapled on ${mixed.with.length} of ${total} terminators; not on ` +
        `${mixed.without.join(', ')}.`,
    );
  }
  if (s.state === 'good') {
    const left = s.secondsLeft === null ? '' : `, ${Math.floor(s.secondsLeft / 3600)} h left`;
    return right(`Valid staple (certStatus good${left}).`);
  }
  if (s.state === 'not-applicable')
    return right('The leaf names no OCSP responder: nothing to staple, no side trip.');
  return change(
    `Staple ${s.state}${s.responderUrl ? `; clients may ask ${s.responderUrl} themselves` : ''}.`,
  );
}

function staplingSaving(r: Report, rttMs: number, st: Status): Saving | null {
  if (r.stapling?.state === 'not-applicable') return null;
  const per = 'each first visit of a client that checks OCSP';
  const scenarios = { with: SCENARIO.firstStapled, without: SCENARIO.firstUnstapled, per };
  // The first address stapled but others did not: price the side trip those clients make.
  const status = st === 'change' && mixedStapling(r) ? 'right' : st;
  return (
    scenarioSaving(r, rttMs, status, scenarios) ?? modelSaving(FALLBACK.ocspSideTrip, rttMs, per)
  );
}

function chainSize(r: Report): Check {
  const c = r.chain;
  if (!c) return unmeasured('No certificate chain was captured.');
  const bytes = c.certificateMessageBytes ?? c.certificates.reduce((n, x) => n + x.bytes, 0);
  const extra = extraWindowRoundTrips(r) ?? 0;
  if (extra > 0)
    return change(
      `The first server flight overflows the ~14.6 KB initial window (Certificate message ` +
        `${bytes} B): ${rtt(extra)} more.`,
    );
  if (c.rootIncluded)
    return change(`The root is sent needlessly (${rootBytes(r)} B of ${bytes} B).`);
  return right(`${c.certificates.length} certificates, ${bytes} B: within the initial window.`);
}

function rootBytes(r: Report): number {
  return r.chain?.certificates.filter((c) => c.selfSigned).reduce((n, c) => n + c.bytes, 0) ?? 0;
}

function chainSizeSaving(r: Report, rttMs: number): Saving | null {
  const per = 'each full handshake';
  const extra = extraWindowRoundTrips(r) ?? 0;
  if (extra > 0)
    return { ...modelSaving(extra, rttMs, per), basis: r.flights ? 'measured' : 'model' };
  return r.chain?.rootIncluded ? modelSaving(0, rttMs, per, rootBytes(r)) : null;
}

function helloRetry(r: Report): Check {
  const h = r.handshake;
  if (!h?.version) return unmeasured('The handshake did not complete.');
  return h.helloRetryRequest
    ? change(`The server sent a HelloRetryRequest for ${h.group ?? 'another group'}.`)
    : right(`The first key share was accepted (${h.group ?? 'group unknown'}).`);
}

function helloRetrySaving(r: Report, rttMs: number, st: Status): Saving {
  const per = 'each first visit';
  const scenarios = { with: SCENARIO.firstNoHrr, without: SCENARIO.firstHrr, per };
  return scenarioSaving(r, rttMs, st, scenarios) ?? modelSaving(FALLBACK.helloRetry, rttMs, per);
}

function reuse(r: Report): Check {
  const h2 = r.handshake?.alpn === 'h2' ? 'HTTP/2 lets clients multiplex on one connection; ' : '';
  return unmeasured(
    `One probe opens fresh connections: ${h2}check that clients keep theirs alive.`,
  );
}

function mutualTls(r: Report): Check {
  const c = r.clientAuth;
  if (!c) return unmeasured('Client authentication was not probed.');
  if (c.mode === 'required' && longLivedClientCert(r) === true)
    return change('Client certificates are required, but the one offered is long-lived.');
  if (c.mode === 'required')
    return right(`Client certificates required (${c.acceptableCAs.length} CA names listed).`);
  if (c.mode === 'optional')
    return change('A client certificate is asked for but optional: anonymous peers get in.');
  if (c.mode === 'none')
    return change('No CertificateRequest: peers are not authenticated by TLS.');
  return unmeasured('The server asked for a client certificate; no verdict without one.');
}

function earlyDataRisk(r: Report): boolean | null {
  const early = poolOf(r)?.earlyData;
  if (early?.idempotentDeclared) return false;
  if (early?.result === 'accepted') return true;
  return r.resumption ? r.resumption.earlyDataAdvertised : null;
}

function maxClientDaysLeft(r: Report): number | null {
  const start = Date.parse(r.startedAt);
  const days = (r.clientAuth?.offered ?? [])
    .map((v) => Date.parse(v.notAfter))
    .filter((t) => Number.isFinite(t))
    .map((t) => Math.floor((t - start) / 86_400_000));
  return days.length ? Math.max(...days) : null;
}

function longLivedClientCert(r: Report): boolean | null {
  const days = maxClientDaysLeft(r);
  return days === null ? null : days > LONG_LIVED_DAYS;
}
