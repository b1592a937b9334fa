/**
 * One row per terminator: a full handshake with the probe's HTTP request, read like the main
 * probe reads its own (chain as sent, staple, tickets, CertificateRequest, round trips), plus
 * a TLS 1.2-only handshake with tickets off that tells whether 1.2 works and yields the
 * session ID for the session-ID matrix.
 */
import { type Attempt, analyzeClientAuth } from '../probes/client-auth.js';
import type { ConnectionOutcome } from '../probes/connection.js';
import { handshakeMs } from '../probes/resumption.js';
import type { ClientAuthMode, PoolAddressRow, PoolStaple, StaplingInfo } from '../report/model.js';
import { connectMember, failureOf, type PoolContext, roundTripsOf } from './connect.js';
import type { PoolMember } from './members.js';
import { servedBy } from './served.js';

/** A row with the sessions its connections produced (reused by the matrices). */
export interface ProbedAddress {
  member: PoolMember;
  row: PoolAddressRow;
  /** Session buffers from the full handshake (TLS 1.3: one per NewSessionTicket). */
  sessions: Buffer[];
  /** The TLS 1.2 session (tickets off), when a 1.2 handshake completed and sent one. */
  tls12Session: Buffer | null;
  /** Why the TLS 1.2 handshake failed; null when it completed or was not tried. */
  tls12Error: string | null;
}

/** Probes every member in turn (sequentially: one terminator's timing never shares a core). */
export async function probeAddresses(
  ctx: PoolContext,
  members: PoolMember[],
): Promise<ProbedAddress[]> {
  const out: ProbedAddress[] = [];
  for (const member of members) out.push(await probeAddress(ctx, member));
  return out;
}

async function probeAddress(ctx: PoolContext, member: PoolMember): Promise<ProbedAddress> {
  const attempt = await connectMember(ctx, member, { http: true });
  const row = rowOf(ctx, member, attempt);
  const probed: ProbedAddress = {
    member,
    row,
    sessions: attempt.outcome.sessions.map((s) => s.session),
    tls12Session: null,
    tls12Error: null,
  };
  if (ctx.tls12NoTicket && !row.error) {
    const tls12 = await connectMember(ctx, member, { context: ctx.tls12NoTicket, ticketWaitMs: 0 });
    probed.tls12Error = failureOf(tls12.outcome, member);
    probed.tls12Session = tls12.outcome.sessions.at(-1)?.session ?? null;
    if (!probed.tls12Error && !row.tlsVersions.includes('TLSv1.2')) row.tlsVersions.push('TLSv1.2');
  }
  return probed;
}

function emptyRow(member: PoolMember, error: string | null): PoolAddressRow {
  return {
    address: member.label,
    ip: member.ip,
    port: member.port,
    family: member.family,
    error,
    leafSha256: null,
    spkiSha256: null,
    chainComplete: null,
    chainOrderCorrect: null,
    staple: null,
    tlsVersion: null,
    tlsVersions: [],
    alpn: null,
    ticketsIssued: null,
    ticketLifetimeHintSeconds: null,
    maxEarlyData: null,
    clientAuth: null,
    roundTrips: null,
    tlsMs: null,
  };
}

function rowOf(ctx: PoolContext, member: PoolMember, attempt: Attempt): PoolAddressRow {
  const o = attempt.outcome;
  const row = emptyRow(member, failureOf(o, member));
  if (row.error) return row;
  const { leaf, chain, stapling } = servedBy(ctx, o);
  return {
    ...row,
    leafSha256: leaf?.sha256 ?? null,
    spkiSha256: leaf?.spkiSha256 ?? null,
    chainComplete: chain?.complete ?? null,
    chainOrderCorrect: chain?.orderCorrect ?? null,
    staple: ctx.options.requestOcsp ? stapleOf(stapling) : null,
    tlsVersion: o.protocol,
    tlsVersions: o.protocol ? [o.protocol] : [],
    alpn: o.alpn,
    ...ticketColumns(o),
    clientAuth: clientAuthOf(ctx, attempt),
    roundTrips: roundTripsOf(o),
    tlsMs: handshakeMs(o),
  };
}

function ticketColumns(o: ConnectionOutcome) {
  const tickets = o.transcript.tickets.map((t) => t.ticket);
  const early = tickets.map((t) => t.maxEarlyData ?? 0).filter((n) => n > 0);
  return {
    ticketsIssued: tickets.length,
    ticketLifetimeHintSeconds: tickets.at(-1)?.lifetimeSeconds ?? null,
    maxEarlyData: early.length ? Math.max(...early) : null,
  };
}

function stapleOf(s: StaplingInfo): PoolStaple {
  if (!s.received) return { state: s.state, present: false, fresh: null, forThisCertificate: null };
  const started = s.ageSeconds === null || s.ageSeconds >= 0;
  const fresh = started && (s.secondsLeft === null || s.secondsLeft >= 0);
  return { state: s.state, present: true, fresh, forThisCertificate: s.certIdMatches };
}

/** With a client certificate offered, "accepted without one" cannot be told from this row. */
function clientAuthOf(ctx: PoolContext, attempt: Attempt): ClientAuthMode {
  const requested = attempt.outcome.transcript.certificateRequest !== null;
  if (ctx.setup.credentials.length > 0) return requested ? 'unknown' : 'none';
  return analyzeClientAuth({ anonymous: attempt, offered: [], now: ctx.deps.now() }).clientAuth
    .mode;
}
