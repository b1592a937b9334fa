/**
 * Pools: every terminator behind one name (all A/AAAA records, `--pool`, or repeated
 * `--connect-to`), probed with the same SNI and compared column by column.
 *
 * Part of the report model (model.ts re-exports every type here).
 */
import type { ClientAuthMode, StaplingState } from './model.js';

/** The staple one terminator sent on a full handshake. */
export interface PoolStaple {
  state: StaplingState;
  present: boolean;
  /** thisUpdate is past and nextUpdate is not (null without a staple). */
  fresh: boolean | null;
  /** The CertID names the leaf this terminator served (null without a staple). */
  forThisCertificate: boolean | null;
}

/** One terminator: a full handshake (with the HTTP request) and what it showed. */
export interface PoolAddressRow {
  /** As shown to users: the IP, or `ip:port` / `[v6]:port` when the port is not the target's. */
  address: string;
  ip: string;
  port: number;
  family: 4 | 6;
  /** Why no handshake completed; the other columns are then null. */
  error: string | null;
  leafSha256: string | null;
  /** SHA-256 of the leaf's SubjectPublicKeyInfo. */
  spkiSha256: string | null;
  chainComplete: boolean | null;
  chainOrderCorrect: boolean | null;
  staple: PoolStaple | null;
  /** Version negotiated when offering the probe's versions. */
  tlsVersion: string | null;
  /**
   * Versions that completed a handshake (TLSv1.2 is tried on its own for the session-ID matrix).
   */
  tlsVersions: string[];
  alpn: string | null;
  /** NewSessionTicket messages after the full handshake. */
  ticketsIssued: number | null;
  ticketLifetimeHintSeconds: number | null;
  /** Largest max_early_data advertised by those tickets; null when none advertises it. */
  maxEarlyData: number | null;
  clientAuth: ClientAuthMode | null;
  /** Round trips the client waited for before its handshake completed (server flights). */
  roundTrips: number | null;
  /** TLS handshake duration (appconnect - connect). */
  tlsMs: number | null;
}

/** A column of the address table that must be the same on every terminator. */
export type PoolColumn =
  | 'reachable'
  | 'leaf'
  | 'publicKey'
  | 'chainComplete'
  | 'chainOrder'
  | 'staple'
  | 'tlsVersions'
  | 'alpn'
  | 'ticketsIssued'
  | 'clientAuth'
  | 'roundTrips';

/** A column whose value differs between terminators, with the addresses on each side. */
export interface PoolInconsistency {
  column: PoolColumn;
  /** One side per distinct value: the healthy (else the largest) side first, as the reference. */
  sides: Array<{ value: string; addresses: string[] }>;
  /** e.g. "stapling missing on 2 of 6 addresses (...)". */
  sentence: string;
}

/** One cell of a resumption matrix: a session from `from` offered to `to`. */
export interface PoolMatrixCell {
  from: string;
  to: string;
  resumed: 'yes' | 'no' | 'error';
  /** Why the cell is an error (no session obtained, connection failed). */
  error: string | null;
}

/** How ticket keys (or a session cache) are shared across the pool. */
export type PoolSharingVerdict = 'shared-by-all' | 'groups' | 'none';

/** Sessions from each terminator offered to every terminator (bounded by --pool-max). */
export interface PoolMatrix {
  /** 'ticket': TLS 1.3 PSK or TLS 1.2 ticket; 'session-id': TLS 1.2 with tickets disabled. */
  mechanism: 'ticket' | 'session-id';
  /** Row and column order. */
  addresses: string[];
  cells: PoolMatrixCell[];
  verdict: PoolSharingVerdict;
  /** Terminators that accept each other's sessions, named A, B, ... (singletons included). */
  groups: Array<{ name: string; addresses: string[] }>;
  /** What the verdict means for a client the load balancer moves. */
  meaning: string;
}

/** The causes of a resumption shortfall, worded as users read them. */
export type ResumptionShortfallCause =
  | 'no tickets issued'
  | 'tickets issued but never accepted'
  | 'no new ticket issued on a resumed handshake'
  | 'tickets accepted only by some terminators';

/** One link of the resumption chain. */
export interface ResumptionLink {
  /** 0 is the connection that obtains the first ticket; attempts are 1..N. */
  index: number;
  address: string;
  /** Whether a session was offered (the client held an unspent one). */
  offered: boolean;
  resumed: boolean;
  ticketsIssued: number;
  tlsMs: number | null;
  roundTrips: number | null;
  error: string | null;
}

/**
 * A chain of connections like a client with a one-session cache: it keeps the newest ticket
 * received, offers it on the next connection and, in TLS 1.3, spends it (RFC 8446 C.4).
 * Connections go round-robin over the pool, as a load balancer would send them.
 */
export interface ResumptionRate {
  attempts: number;
  resumed: number;
  /** resumed / attempts, in percent. */
  ratePercent: number;
  fullHandshakes: number;
  /** NewSessionTickets received on full handshakes and on resumed ones (all links). */
  ticketsOnFull: number;
  ticketsOnResumed: number;
  /** Null when every attempt resumed. */
  cause: ResumptionShortfallCause | null;
  /** One sentence: the rate and its cause. */
  explanation: string;
  /** Medians over the chain: what a resumption saves. */
  benefit: {
    tlsMsFull: number | null;
    tlsMsResumed: number | null;
    roundTripsFull: number | null;
    roundTripsResumed: number | null;
  };
  links: ResumptionLink[];
}

/** A ticket held `heldSeconds` before it was offered (--ticket-age). */
export interface TicketAgeResult {
  address: string;
  heldSeconds: number;
  /** Measured from the ticket's arrival to the offer. */
  ageSeconds: number | null;
  lifetimeHintSeconds: number | null;
  resumed: boolean | null;
  verdict:
    | 'resumed'
    | 'rejected-before-lifetime'
    | 'rejected-after-lifetime'
    | 'no-ticket'
    | 'error';
  /** e.g. "rejected at age 2.0 s although the lifetime hint is 300 s". */
  sentence: string;
}

/** TLS 1.3 0-RTT early data, sent with `openssl s_client -early_data`. */
export interface EarlyDataResult {
  /** Address tested (the first whose tickets advertise early data). */
  address: string | null;
  /** Whether any ticket advertised max_early_data > 0. */
  advertised: boolean;
  maxEarlyData: number | null;
  /** Never "not supported": a result that could not be obtained is 'not-tested'. */
  result: 'accepted' | 'rejected' | 'not-tested';
  /** Why it was not tested, or the line openssl printed. */
  reason: string | null;
  /** The request sent as early data (harmless and idempotent). */
  request: string;
  /** --idempotent: the user declared the route safe to replay. */
  idempotentDeclared: boolean;
}

/** Repeated full handshakes per address (--samples), to catch intermittent stapling. */
export interface StaplingSamples {
  pauseMs: number;
  perAddress: Array<{
    address: string;
    samples: number;
    /** Handshakes that carried a staple, and those whose staple was good. */
    stapled: number;
    good: number;
    states: StaplingState[];
  }>;
}

/** Every terminator of a name compared, sessions across them, resumption over time. */
export interface PoolInfo {
  /** Where the addresses came from. */
  source: 'resolved' | 'pool' | 'connect-to';
  sni: string | null;
  /** Addresses left out by --pool-max. */
  omitted: string[];
  addresses: PoolAddressRow[];
  inconsistencies: PoolInconsistency[];
  /** Null when no terminator issued a ticket, or the pool has one address. */
  ticketMatrix: PoolMatrix | null;
  /** TLS 1.2 with tickets disabled; null when TLS 1.2 was not tried or not offered. */
  sessionIdMatrix: PoolMatrix | null;
  resumptionRate: ResumptionRate | null;
  ticketAge: TicketAgeResult | null;
  earlyData: EarlyDataResult;
  staplingSamples: StaplingSamples | null;
}
