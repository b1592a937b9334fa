/**
 * The resumption rate a returning client gets: a chain of connections, each offering the
 * newest unspent ticket, spread round-robin over the pool as a load balancer would. The client
 * keeps one session, like browsers and curl: the newest ticket received replaces the one held,
 * and a TLS 1.3 ticket is spent once offered (RFC 8446 C.4); a TLS 1.2 session stays reusable.
 */

import { handshakeMs, resumedBy } from '../probes/resumption.js';
import { finding } from '../report/findings.js';
import type {
  Finding,
  PoolMatrix,
  ResumptionLink,
  ResumptionRate,
  ResumptionShortfallCause,
} from '../report/model.js';
import { connectMember, failureOf, median, type PoolContext, roundTripsOf } from './connect.js';
import type { PoolMember } from './members.js';

/** Runs link 0 (obtains the first ticket) and `attempts` links after it. */
export async function resumptionRate(
  ctx: PoolContext,
  members: PoolMember[],
  attempts: number,
  matrix: PoolMatrix | null,
): Promise<{ rate: ResumptionRate; findings: Finding[] }> {
  const links: ResumptionLink[] = [];
  let held: { session: Buffer; tls13: boolean } | null = null;
  for (let index = 0; index <= attempts; index++) {
    const member = members[index % members.length]!;
    const { outcome } = await connectMember(ctx, member, { session: held?.session });
    const resumed = resumedBy(outcome);
    links.push({
      index,
      address: member.label,
      offered: held !== null,
      resumed,
      ticketsIssued: outcome.transcript.tickets.length,
      tlsMs: handshakeMs(outcome),
      roundTrips: roundTripsOf(outcome),
      error: failureOf(outcome, member),
    });
    if (held?.tls13) held = null;
    const newest = outcome.sessions.at(-1)?.session;
    if (newest) held = { session: newest, tls13: outcome.protocol === 'TLSv1.3' };
  }
  const rate = summarize(links, attempts, matrix);
  return { rate, findings: [rateFinding(rate)] };
}

function summarize(
  links: ResumptionLink[],
  attempts: number,
  matrix: PoolMatrix | null,
): ResumptionRate {
  const tries = links.slice(1);
  const resumed = tries.filter((l) => l.resumed).length;
  const full = links.filter((l) => !l.resumed && !l.error);
  const sum = (ls: ResumptionLink[]) => ls.reduce((n, l) => n + l.ticketsIssued, 0);
  const cause = causeOf(links, matrix);
  const rate: ResumptionRate = {
    attempts,
    resumed,
    ratePercent: Math.round((resumed / attempts) * 1000) / 10,
    fullHandshakes: full.length,
    ticketsOnFull: sum(full),
    ticketsOnResumed: sum(links.filter((l) => l.resumed)),
    cause,
    explanation: '',
    benefit: {
      tlsMsFull: median(full.map((l) => l.tlsMs)),
      tlsMsResumed: median(links.filter((l) => l.resumed).map((l) => l.tlsMs)),
      roundTripsFull: median(full.map((l) => l.roundTrips)),
      roundTripsResumed: median(links.filter((l) => l.resumed).map((l) => l.roundTrips)),
    },
    links,
  };
  rate.explanation = explain(rate, links);
  return rate;
}

/**
 * Why attempts fell short. A rejected offer weighs more than an attempt with nothing to offer:
 * it shows keys that differ (or rotate), which no client-side cache can work around.
 */
export function causeOf(
  links: ResumptionLink[],
  matrix: PoolMatrix | null,
): ResumptionShortfallCause | null {
  const tries = links.slice(1);
  if (tries.every((l) => l.resumed)) return null;
  if (links.every((l) => l.ticketsIssued === 0)) return 'no tickets issued';
  const accepted = tries.some((l) => l.resumed) || matrix?.cells.some((c) => c.resumed === 'yes');
  if (!accepted) return 'tickets issued but never accepted';
  const rejected = tries.filter((l) => l.offered && !l.resumed && !l.error).length;
  const nothingHeld = tries.filter((l) => !l.offered).length;
  if (rejected > 0 && rejected >= nothingHeld) return 'tickets accepted only by some terminators';
  return 'no new ticket issued on a resumed handshake';
}

function explain(rate: ResumptionRate, links: ResumptionLink[]): string {
  const head = `${rate.resumed} of ${rate.attempts} attempts resumed (${rate.ratePercent}%)`;
  switch (rate.cause) {
    case null:
      return `${head}.`;
    case 'no tickets issued':
      return `${head}: no tickets issued, so every connection is a full handshake.`;
    case 'tickets issued but never accepted':
      return (
        `${head}: tickets issued but never accepted (${rate.ticketsOnFull} issued; keys ` +
        `rotated or not kept?).`
      );
    case 'no new ticket issued on a resumed handshake':
      return (
        `${head}: no new ticket issued on a resumed handshake (${rate.ticketsOnResumed} on ` +
        `${rate.resumed} resumed), so every second connection is full.`
      );
    case 'tickets accepted only by some terminators': {
      const where = [
        ...new Set(links.filter((l) => l.offered && !l.resumed && !l.error).map((l) => l.address)),
      ];
      return (
        `${head}: tickets accepted only by some terminators (offers rejected on ` +
        `${where.join(', ')}).`
      );
    }
  }
}

function rateFinding(rate: ResumptionRate): Finding {
  const detail = {
    attempts: rate.attempts,
    resumed: rate.resumed,
    ticketsOnFull: rate.ticketsOnFull,
    ticketsOnResumed: rate.ticketsOnResumed,
    cause: rate.cause,
  };
  if (rate.cause === null) {
    return finding(
      'pool.resumption-rate',
      'ok',
      `Resumption: ${rate.explanation}`,
      'Returning clients skip the certificate flight on every connection.',
      detail,
    );
  }
  const saved =
    rate.benefit.tlsMsFull !== null && rate.benefit.tlsMsResumed !== null
      ? ` (here ${rate.benefit.tlsMsFull} ms full vs ${rate.benefit.tlsMsResumed} ms resumed)`
      : '';
  return finding(
    'pool.resumption-shortfall',
    'warn',
    `Resumption: ${rate.explanation}`,
    `Each miss costs a returning client a full handshake${saved}: the certificate flight and its ` +
      `verification again.`,
    detail,
  );
}
