/**
 * Handshake rows of the rotation matrix: staple source and freshness, ticket lifetime hint and
 * resumption, TLS version, ALPN, key exchange group and HelloRetryRequest.
 */

import { resumptionPercent, resumptionText } from '../advice/pool-view.js';
import type { Report, Severity, StaplingInfo, StaplingState } from '../report/model.js';
import { type Change, change } from './types.js';

/** Resumption rates closer than this (percentage points) count as unchanged. */
const RATE_STEP = 10;

const hours = (s: number) => `${Math.round(s / 360) / 10} h`;

const STAPLE_SEVERITY: Record<StaplingState, Severity> = {
  good: 'ok',
  'not-applicable': 'info',
  'not-requested': 'info',
  missing: 'warn',
  unknown: 'warn',
  invalid: 'fail',
  revoked: 'fail',
};

const STAPLE_IMPACT: Record<StaplingState, string> = {
  good: 'Clients get revocation status inside the handshake: no side trip to the responder.',
  'not-applicable': 'The leaf names no responder: nothing to staple and nothing to fetch.',
  'not-requested': 'This probe did not ask for a staple: compare reports made with the same flags.',
  missing:
    'Clients that check revocation ask the responder themselves: about 2 more round trips, or a ' +
    'soft-fail.',
  unknown: 'The responder does not know the certificate: strict clients refuse it.',
  invalid:
    'The staple cannot be trusted: strict clients refuse it, others ignore it and stall on OCSP.',
  revoked: 'The staple says revoked: clients that honour it refuse the certificate.',
};

/** Staple state, source (signer, responder) and freshness. */
export function stapleChanges(a: Report, b: Report): Change[] {
  const [x, y] = [a.stapling, b.stapling];
  if (!x || !y) return [];
  const out: Change[] = [];
  if (x.state !== y.state) {
    out.push(
      change(
        'staple',
        STAPLE_SEVERITY[y.state],
        `Staple ${x.state} → ${y.state}.`,
        STAPLE_IMPACT[y.state],
        y.state === 'missing'
          ? 'Re-enable stapling on every terminator and check they reach the responder.'
          : 'None needed.',
        x.state,
        y.state,
      ),
    );
  }
  if (x.received && y.received) out.push(...stapleSource(x, y), ...stapleFreshness(x, y));
  return out;
}

function stapleSource(x: StaplingInfo, y: StaplingInfo): Change[] {
  if (x.signer === y.signer && x.responderUrl === y.responderUrl) return [];
  const parts = [
    x.signer !== y.signer ? `signer ${x.signer} → ${y.signer}` : null,
    x.responderUrl !== y.responderUrl ? `responder ${x.responderUrl} → ${y.responderUrl}` : null,
  ].filter(Boolean);
  return [
    change(
      'staple',
      y.delegationValid === false ? 'fail' : 'info',
      `Staple source changed: ${parts.join(', ')}.`,
      'Clients verify the staple against a different signer: a bad delegation makes strict ' +
        'clients refuse it.',
      'Check the delegated responder has EKU OCSPSigning, is issued by the CA, and is not near ' +
        'expiry.',
      `${x.signer} ${x.responderUrl}`,
      `${y.signer} ${y.responderUrl}`,
    ),
  ];
}

const period = (s: StaplingInfo) =>
  s.thisUpdate && s.nextUpdate
    ? (Date.parse(s.nextUpdate) - Date.parse(s.thisUpdate)) / 1000
    : null;

function stapleFreshness(x: StaplingInfo, y: StaplingInfo): Change[] {
  const [p1, p2] = [period(x), period(y)];
  const validity =
    p1 !== null && p2 !== null && p1 !== p2 ? `; validity ${hours(p1)} → ${hours(p2)}` : '';
  if (x.thisUpdate !== y.thisUpdate) {
    return [
      change(
        'staple',
        'info',
        `Staple refreshed: thisUpdate ${x.thisUpdate} → ${y.thisUpdate}${validity}.`,
        'Clients get a fresher revocation status; nothing else changes.',
        'None needed.',
        x.thisUpdate,
        y.thisUpdate,
      ),
    ];
  }
  const left = y.secondsLeft;
  if (p2 !== null && left !== null && left < p2 / 4) {
    return [
      change(
        'staple',
        'warn',
        `The same staple is still served with ${hours(Math.max(0, left))} left of ${hours(p2)}: ` +
          `it is not being refreshed.`,
        'When nextUpdate passes, clients treat the staple as invalid and stall on OCSP or refuse.',
        'Check the server can reach its responder and refreshes staples well before nextUpdate.',
        x.thisUpdate,
        y.thisUpdate,
      ),
    ];
  }
  return [];
}

/** Ticket lifetime hint and whether resumption still works. */
export function ticketChanges(a: Report, b: Report): Change[] {
  const [x, y] = [a.resumption, b.resumption];
  if (!x || !y) return [];
  const out: Change[] = [];
  const [h1, h2] = [
    x.ticketsAfterFull[0]?.lifetimeHintSeconds ?? null,
    y.ticketsAfterFull[0]?.lifetimeHintSeconds ?? null,
  ];
  if (h1 !== null && h2 !== null && h1 !== h2) {
    const shorter = h2 < h1;
    out.push(
      change(
        'ticket-lifetime',
        shorter && h2 < 3600 ? 'warn' : 'info',
        `Ticket lifetime hint ${h1} s → ${h2} s.`,
        shorter
          ? `Clients returning after ${h2} s pay a full handshake.`
          : 'Returning clients can resume for longer.',
        shorter
          ? 'Keep the lifetime at least as long as typical revisit gaps (hours), rotating keys ' +
              'within it.'
          : 'None needed.',
        `${h1} s`,
        `${h2} s`,
      ),
    );
  }
  const [p1, p2] = [resumptionPercent(a), resumptionPercent(b)];
  if (p1 !== null && p2 !== null && Math.abs(p1 - p2) >= RATE_STEP) {
    const [r1, r2] = [resumptionText(a), resumptionText(b)];
    const worse = p2 < p1;
    out.push(
      change(
        'resumption',
        worse ? 'warn' : 'ok',
        `Resumption ${r1} → ${r2}.`,
        worse
          ? 'More returning clients pay a full handshake.'
          : 'More returning clients skip the full handshake.',
        worse
          ? 'Check ticket keys: shared by every terminator, stable across reloads and deploys.'
          : 'None needed.',
        r1,
        r2,
      ),
    );
  }
  return out;
}

/** Negotiated TLS version, ALPN, group and HelloRetryRequest. */
export function protocolChanges(a: Report, b: Report): Change[] {
  const [x, y] = [a.handshake, b.handshake];
  if (!x || !y) return [];
  const out: Change[] = [];
  if (x.version !== y.version) {
    const worse = x.version === 'TLSv1.3';
    out.push(
      change(
        'version',
        worse ? 'warn' : 'ok',
        `TLS version ${x.version} → ${y.version}.`,
        worse
          ? 'One more round trip on every new connection.'
          : 'One round trip less on every new connection.',
        worse ? 'Re-enable TLS 1.3 on the terminator.' : 'None needed.',
        x.version,
        y.version,
      ),
    );
  }
  if (x.alpn !== y.alpn) {
    const lost = x.alpn === 'h2';
    out.push(
      change(
        'alpn',
        lost ? 'warn' : 'info',
        `ALPN ${x.alpn ?? 'none'} → ${y.alpn ?? 'none'}.`,
        lost
          ? 'Clients fall back to HTTP/1.1: parallel requests need more connections and handshakes.'
          : 'Clients use the new protocol for requests after the handshake.',
        lost ? 'Offer h2 in ALPN again.' : 'None needed.',
        x.alpn,
        y.alpn,
      ),
    );
  }
  if (x.group !== y.group || x.helloRetryRequest !== y.helloRetryRequest) {
    const hrr = !x.helloRetryRequest && y.helloRetryRequest;
    out.push(
      change(
        'group',
        hrr ? 'warn' : 'info',
        `Key exchange ${x.group}${x.helloRetryRequest ? ' after HelloRetryRequest' : ''} → ` +
          `${y.group}${y.helloRetryRequest ? ' after HelloRetryRequest' : ''}.`,
        hrr
          ? "One extra round trip: the server no longer accepts the client's first key share."
          : 'No round trip change.',
        hrr ? "List X25519 first in the server's groups." : 'None needed.',
        x.group,
        y.group,
      ),
    );
  }
  return out;
}
