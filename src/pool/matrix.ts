/**
 * Sessions across the pool: a session from terminator i offered to terminator j, for every
 * pair. Tickets are used once each (RFC 8446 C.4), so every cell gets a fresh ticket; TLS 1.2
 * session IDs may be resumed many times, so one per terminator serves a whole row.
 */

import { resumedBy } from '../probes/resumption.js';
import { finding } from '../report/findings.js';
import type { Finding, PoolMatrix, PoolMatrixCell, PoolSharingVerdict } from '../report/model.js';
import type { ProbedAddress } from './addresses.js';
import { connectMember, failureOf, type PoolContext } from './connect.js';
import type { PoolMember } from './members.js';

/** Unspent tickets per terminator, topped up with a full handshake when one runs dry. */
class TicketStore {
  private readonly unspent = new Map<string, Buffer[]>();

  constructor(
    private readonly ctx: PoolContext,
    probed: ProbedAddress[],
  ) {
    for (const p of probed) this.unspent.set(p.member.label, [...p.sessions]);
  }

  add(member: PoolMember, sessions: Buffer[]): void {
    this.unspent.get(member.label)?.push(...sessions);
  }

  /** The newest unspent ticket of `member`, or null when a fresh handshake brings none. */
  async take(member: PoolMember): Promise<Buffer | null> {
    const list = this.unspent.get(member.label) ?? [];
    if (list.length === 0) {
      const fetched = await connectMember(this.ctx, member);
      list.push(...fetched.outcome.sessions.map((s) => s.session));
    }
    return list.pop() ?? null;
  }
}

/** The ticket matrix; null with fewer than two reachable terminators or no ticket at all. */
export async function ticketMatrix(
  ctx: PoolContext,
  probed: ProbedAddress[],
): Promise<{ matrix: PoolMatrix | null; findings: Finding[] }> {
  const live = probed.filter((p) => !p.row.error);
  if (live.length < 2 || !live.some((p) => (p.row.ticketsIssued ?? 0) > 0)) {
    return { matrix: null, findings: [] };
  }
  const store = new TicketStore(ctx, live);
  const cells: PoolMatrixCell[] = [];
  for (const from of live) {
    for (const to of live) {
      const session = await store.take(from.member);
      cells.push(
        await offer(ctx, from.member, to.member, session, 'ticket', (s) => store.add(to.member, s)),
      );
    }
  }
  const matrix = judgeMatrix(
    'ticket',
    live.map((p) => p.member.label),
    cells,
  );
  return { matrix, findings: [matrixFinding(matrix)] };
}

/** The TLS 1.2 session-ID matrix (tickets off); null when fewer than two spoke TLS 1.2. */
export async function sessionIdMatrix(
  ctx: PoolContext,
  probed: ProbedAddress[],
): Promise<{ matrix: PoolMatrix | null; findings: Finding[] }> {
  const live = probed.filter((p) => !p.row.error && p.row.tlsVersions.includes('TLSv1.2'));
  if (!ctx.tls12NoTicket || live.length < 2) return { matrix: null, findings: [] };
  const cells: PoolMatrixCell[] = [];
  for (const from of live) {
    for (const to of live) {
      cells.push(
        await offer(ctx, from.member, to.member, from.tls12Session, 'session-id', () => {}),
      );
    }
  }
  const matrix = judgeMatrix(
    'session-id',
    live.map((p) => p.member.label),
    cells,
  );
  return { matrix, findings: [matrixFinding(matrix)] };
}

async function offer(
  ctx: PoolContext,
  from: PoolMember,
  to: PoolMember,
  session: Buffer | null,
  mechanism: PoolMatrix['mechanism'],
  keep: (sessions: Buffer[]) => void,
): Promise<PoolMatrixCell> {
  const cell = { from: from.label, to: to.label };
  if (!session) {
    const what = mechanism === 'ticket' ? 'ticket' : 'session ID';
    return { ...cell, resumed: 'error', error: `no ${what} obtained from ${from.label}` };
  }
  const context = mechanism === 'session-id' ? (ctx.tls12NoTicket ?? undefined) : undefined;
  const { outcome } = await connectMember(ctx, to, { session, context, ticketWaitMs: 0 });
  keep(outcome.sessions.map((s) => s.session));
  const error = failureOf(outcome, to);
  if (error) return { ...cell, resumed: 'error', error };
  return { ...cell, resumed: resumedBy(outcome) ? 'yes' : 'no', error: null };
}

/** Groups terminators that accept each other's sessions (both ways) and names the verdict. */
export function judgeMatrix(
  mechanism: PoolMatrix['mechanism'],
  addresses: string[],
  cells: PoolMatrixCell[],
): PoolMatrix {
  const accepts = (a: string, b: string) =>
    cells.some((c) => c.from === a && c.to === b && c.resumed === 'yes');
  const groupOf = addresses.map((_, i) => i);
  const root = (i: number): number => (groupOf[i] === i ? i : root(groupOf[i]!));
  addresses.forEach((a, i) => {
    addresses.forEach((b, j) => {
      if (i < j && accepts(a, b) && accepts(b, a)) groupOf[root(j)] = root(i);
    });
  });
  const roots = [...new Set(addresses.map((_, i) => root(i)))];
  // --pool-max is at most 26: one letter per group.
  const groups = roots.map((r, k) => ({
    name: String.fromCharCode(65 + k),
    addresses: addresses.filter((_, i) => root(i) === r),
  }));
  const verdict: PoolSharingVerdict =
    groups.length === 1
      ? 'shared-by-all'
      : groups.every((g) => g.addresses.length === 1)
        ? 'none'
        : 'groups';
  const selfRejecting = addresses.filter((a) => !accepts(a, a));
  return {
    mechanism,
    addresses,
    cells,
    verdict,
    groups,
    meaning: meaningOf(mechanism, verdict, groups, selfRejecting),
  };
}

function meaningOf(
  mechanism: PoolMatrix['mechanism'],
  verdict: PoolSharingVerdict,
  groups: PoolMatrix['groups'],
  selfRejecting: string[],
): string {
  const what = mechanism === 'ticket' ? 'tickets' : 'TLS 1.2 session IDs';
  const moved = 'a client moved by the load balancer';
  if (verdict === 'shared-by-all') {
    return `${cap(what)} from any terminator resume on every other: ${moved} still resumes.`;
  }
  const own = ownRejections(selfRejecting);
  if (verdict === 'groups') {
    const within = `${cap(what)} resume only within a group (${groupList(groups)})`;
    return `${within}: a client moved to another group pays a full handshake${own}.`;
  }
  return `No terminator accepts another's ${what}: ${moved} pays a full handshake${own}.`;
}

/** " (a rejects even its own)": a terminator that cannot resume its own sessions. */
function ownRejections(addresses: string[]): string {
  if (addresses.length === 0) return '';
  const one = addresses.length === 1;
  return ` (${addresses.join(', ')} ${one ? 'rejects even its' : 'reject even their'} own)`;
}

/** "A: a, b; B: c". */
export function groupList(groups: PoolMatrix['groups']): string {
  return groups.map((g) => `${g.name}: ${g.addresses.join(', ')}`).join('; ');
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function matrixFinding(m: PoolMatrix): Finding {
  const ticket = m.mechanism === 'ticket';
  const prefix = ticket ? 'pool.ticket-keys' : 'pool.session-cache';
  const subject = ticket ? 'Ticket keys' : 'The TLS 1.2 session cache';
  // Most clients resume with tickets; a cache not shared only matters to ticket-less clients.
  const miss = ticket ? 'warn' : 'info';
  const detail = { groups: groupList(m.groups) };
  if (m.verdict === 'shared-by-all') {
    return finding(
      `${prefix}-shared`,
      'ok',
      `${subject} shared by all ${m.addresses.length} terminators.`,
      m.meaning,
      detail,
    );
  }
  if (m.verdict === 'groups') {
    return finding(
      `${prefix}-groups`,
      miss,
      `${subject} shared by groups: ${groupList(m.groups)}.`,
      m.meaning,
      detail,
    );
  }
  return finding(
    `${prefix}-unshared`,
    miss,
    `${subject} shared by none of the ${m.addresses.length} terminators.`,
    m.meaning,
    detail,
  );
}
