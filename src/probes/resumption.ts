/**
 * Session resumption: tickets issued after the full handshake (read from the capture, since
 * TLS 1.3 tickets arrive after it), then a second connection offering the newest ticket.
 * Only the second handshake proves acceptance.
 */
import { finding } from '../report/findings.js';
import type { Finding, ResumptionInfo, TicketInfo } from '../report/model.js';
import type { ConnectionOutcome } from './connection.js';

/** Connects again offering `session`; `noTicket` disables tickets to test the ID cache. */
export type Reconnect = (
  session: Buffer | undefined,
  noTicket: boolean,
) => Promise<ConnectionOutcome>;

/** Tickets the server sent on one connection, timed from that connection's handshake. */
export function ticketsOf(outcome: ConnectionOutcome): TicketInfo[] {
  const base = outcome.appconnectAt ?? outcome.startedAt;
  return outcome.transcript.tickets.map(({ at, ticket }) => ({
    arrivedAfterMs: round(Math.max(0, at - base)),
    lifetimeHintSeconds: ticket.lifetimeSeconds,
    maxEarlyData: ticket.maxEarlyData,
  }));
}

/** Whether a connection resumed, cross-checked with the capture. */
export function resumedBy(outcome: ConnectionOutcome): boolean {
  const t = outcome.transcript;
  if (outcome.appconnectAt === null) return false;
  if (t.tls13) return t.serverHello?.pskAccepted ?? outcome.resumed;
  return (
    outcome.resumed || (t.certificates === null && t.serverHello !== null && t.messages.length > 0)
  );
}

/** Runs the resumption probe after a full handshake `full`. */
export async function probeResumption(full: ConnectionOutcome, reconnect: Reconnect) {
  const info = emptyInfo(full);
  const session = full.sessions.at(-1)?.session;
  const tls12 = full.protocol === 'TLSv1.2';
  info.offered = !session
    ? 'none'
    : tls12 && info.ticketsAfterFull.length === 0
      ? 'session-id'
      : 'ticket';
  if (session) {
    const second = await reconnect(session, false);
    info.attempted = true;
    info.resumed = resumedBy(second);
    info.appconnectResumedMs = handshakeMs(second);
    info.ticketsAfterResumed = second.transcript.tickets.length;
    info.error = second.failure?.message ?? null;
    if (info.resumed)
      info.mechanism = tls12 ? (info.offered === 'ticket' ? 'ticket' : 'session-id') : 'psk';
  }
  if (tls12) info.sessionIdResumed = await sessionIdOnly(reconnect);
  return { resumption: info, findings: resumptionFindings(info, full.protocol) };
}

/** TLS-FACTS: probe with SSL_OP_NO_TICKET to test the session-ID cache alone. */
async function sessionIdOnly(reconnect: Reconnect): Promise<boolean | null> {
  const first = await reconnect(undefined, true);
  const session = first.sessions.at(-1)?.session;
  if (!session || first.failure) return null;
  return resumedBy(await reconnect(session, true));
}

function emptyInfo(full: ConnectionOutcome): ResumptionInfo {
  const tickets = ticketsOf(full);
  return {
    attempted: false,
    ticketsAfterFull: tickets,
    offered: 'none',
    resumed: null,
    mechanism: null,
    sessionIdResumed: null,
    ticketsAfterResumed: null,
    appconnectFullMs: handshakeMs(full),
    appconnectResumedMs: null,
    earlyDataAdvertised: tickets.some((t) => (t.maxEarlyData ?? 0) > 0),
    error: null,
  };
}

/** TLS handshake duration (appconnect - connect) of one connection. */
export function handshakeMs(o: ConnectionOutcome): number | null {
  return o.appconnectAt !== null && o.connectAt !== null
    ? round(o.appconnectAt - o.connectAt)
    : null;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function resumptionFindings(info: ResumptionInfo, version: string | null): Finding[] {
  const out: Finding[] = [];
  const full = info.appconnectFullMs;
  const resumed = info.appconnectResumedMs;
  if (info.offered === 'none' && info.ticketsAfterFull.length > 0) {
    // Node's client drops a session it cannot store (seen with leaves over ~10 KB).
    out.push(
      finding(
        'resumption.untested',
        'info',
        `${info.ticketsAfterFull.length} ticket(s) were issued, but the client kept no session ` +
          `to offer, so acceptance was not tested.`,
        'Unknown whether returning clients resume; a very large certificate can stop some ' +
          'clients from storing the session.',
      ),
    );
  } else if (info.offered === 'none') {
    out.push(
      finding(
        'resumption.no-ticket',
        'warn',
        `No session ticket was issued (${version ?? 'unknown version'}).`,
        'Every visit pays a full handshake: no shortcut for returning clients.',
      ),
    );
  } else if (info.resumed) {
    const saved =
      full !== null && resumed !== null ? `TLS ${full} ms full, ${resumed} ms resumed` : 'resumed';
    out.push(
      finding(
        'resumption.resumed',
        'ok',
        `Session resumed with ${info.mechanism} (${saved}).`,
        'Returning clients skip the certificate flight and its verification.',
        { fullMs: full, resumedMs: resumed },
      ),
    );
  } else {
    const what =
      info.offered === 'ticket'
        ? 'A ticket was issued but not accepted'
        : 'The session ID was not resumed';
    out.push(
      finding(
        'resumption.not-accepted',
        'warn',
        `${what} on the next connection.`,
        'Returning clients pay a full handshake although the server promised a shortcut ' +
          '(rotating or unshared ticket keys?).',
      ),
    );
  }
  if (version === 'TLSv1.3' && info.resumed && info.ticketsAfterResumed === 0) {
    out.push(
      finding(
        'resumption.no-ticket-on-resume',
        'info',
        'No new ticket was issued on the resumed handshake.',
        'A client that does not reuse tickets pays a full handshake on every second connection.',
      ),
    );
  }
  if (info.sessionIdResumed === false && info.offered === 'ticket') {
    out.push(
      finding(
        'resumption.no-session-id-cache',
        'info',
        'TLS 1.2 session IDs are not resumed (tickets only).',
        'Clients that disable tickets pay a full handshake each time.',
      ),
    );
  }
  if (info.earlyDataAdvertised) {
    out.push(
      finding(
        'resumption.early-data-advertised',
        'info',
        'Tickets advertise 0-RTT early data (max_early_data > 0).',
        'Saves one RTT on resumption, but early data can be replayed: only idempotent requests ' +
          'belong there.',
      ),
    );
  }
  return out;
}
