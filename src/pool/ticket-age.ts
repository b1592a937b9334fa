/**
 * --ticket-age: hold a ticket for a while before offering it, to catch ticket keys that change
 * before the lifetime the server advertised (a reload that regenerates keys, a rotation job
 * that forgets the previous key). The ticket goes back to the terminator that issued it.
 */

import { resumedBy } from '../probes/resumption.js';
import { finding } from '../report/findings.js';
import type { Finding, Severity, TicketAgeResult } from '../report/model.js';
import { connectMember, failureOf, type PoolContext } from './connect.js';
import type { PoolMember } from './members.js';

/** Obtains a ticket from `member`, holds it `heldSeconds`, then offers it to `member`. */
export async function ticketAge(
  ctx: PoolContext,
  member: PoolMember,
  heldSeconds: number,
): Promise<{ result: TicketAgeResult; findings: Finding[] }> {
  const base = { address: member.label, heldSeconds, ageSeconds: null, resumed: null };
  const first = await connectMember(ctx, member);
  const ticket = first.outcome.sessions.at(-1);
  const lifetime = first.outcome.transcript.tickets.at(-1)?.ticket.lifetimeSeconds ?? null;
  if (!ticket) {
    const why = failureOf(first.outcome, member) ?? `no ticket issued by ${member.label}`;
    const result: TicketAgeResult = {
      ...base,
      lifetimeHintSeconds: lifetime,
      verdict: 'no-ticket',
      sentence: why,
    };
    return { result, findings: [] };
  }
  await ctx.deps.holdTicket(heldSeconds * 1000);
  const startedAt = ctx.now();
  const second = await connectMember(ctx, member, { session: ticket.session, ticketWaitMs: 0 });
  const age = Math.round((startedAt - ticket.at) / 100) / 10;
  const error = failureOf(second.outcome, member);
  const resumed = error ? null : resumedBy(second.outcome);
  const result = judge({ ...base, ageSeconds: age, lifetimeHintSeconds: lifetime, resumed }, error);
  return { result, findings: ageFindings(result) };
}

function judge(
  r: Omit<TicketAgeResult, 'verdict' | 'sentence'>,
  error: string | null,
): TicketAgeResult {
  const age = r.ageSeconds!.toFixed(1);
  const hint = r.lifetimeHintSeconds;
  if (error)
    return { ...r, verdict: 'error', sentence: `the offer at age ${age} s failed: ${error}` };
  if (r.resumed) {
    return {
      ...r,
      verdict: 'resumed',
      sentence: `resumed at age ${age} s (lifetime hint ${hint ?? '?'} s)`,
    };
  }
  if (hint !== null && r.ageSeconds! >= hint) {
    return {
      ...r,
      verdict: 'rejected-after-lifetime',
      sentence: `rejected at age ${age} s, past the lifetime hint of ${hint} s`,
    };
  }
  return {
    ...r,
    verdict: 'rejected-before-lifetime',
    sentence: `rejected at age ${age} s although the lifetime hint is ${hint ?? '?'} s`,
  };
}

/** The finding of each verdict that has one: [id, severity, impact]. */
const AGE_FINDINGS: Partial<Record<TicketAgeResult['verdict'], [string, Severity, string]>> = {
  resumed: [
    'pool.ticket-age-ok',
    'ok',
    'Clients returning within that time skip the full handshake.',
  ],
  'rejected-before-lifetime': [
    'pool.ticket-age-rejected',
    'warn',
    'Ticket keys changed before the advertised lifetime (a reload regenerating keys?): returning ' +
      'clients pay a full handshake.',
  ],
  'rejected-after-lifetime': [
    'pool.ticket-age-expired',
    'info',
    'Expired as advertised: clients returning later than the lifetime pay a full handshake.',
  ],
};

function ageFindings(r: TicketAgeResult): Finding[] {
  const row = AGE_FINDINGS[r.verdict];
  if (!row) return [];
  const [id, severity, impact] = row;
  const detail = {
    address: r.address,
    ageSeconds: r.ageSeconds,
    lifetimeHintSeconds: r.lifetimeHintSeconds,
  };
  return [
    finding(id, severity, `A ticket held ${r.heldSeconds} s was ${r.sentence}.`, impact, detail),
  ];
}
