/**
 * The tlsflight report: the one typed, versioned model that probes fill and every
 * consumer (renderers, flight model, advice, diff, metrics) only reads.
 *
 * Names follow the standards: RFC 5280 for certificates, RFC 6960 for OCSP,
 * RFC 8446 for handshake messages, curl's write-out names for timing marks.
 * The JSON Schema in `schema/report.schema.json` is generated from this file.
 */

/** Major.minor of the report format; a consumer refuses a different major. */
export const REPORT_VERSION = '1.0';

export type Severity = 'ok' | 'info' | 'warn' | 'fail';

/** One thing a user should know, with a stable id and what it means 300 ms away. */
export interface Finding {
  /** Stable dotted id, e.g. `stapling.missing`. */
  id: string;
  severity: Severity;
  /** One sentence saying what was seen. */
  title: string;
  /** One sentence saying what it costs a user far from the server. */
  impact: string;
  /** Optional facts behind the finding (addresses, counts, values). */
  detail?: Record<string, string | number | boolean | null>;
}

/** Where and how the probe connected. */
export interface TargetInfo {
  host: string;
  port: number;
  /** Server name sent in SNI; null when the host is an IP literal and no --sni was given. */
  sni: string | null;
  /** Address actually connected to. */
  address: string | null;
  /** Every address the name resolved to (first used unless --connect-to). */
  resolved: string[];
  path: string;
  method: 'GET' | 'HEAD';
}

/**
 * Timing as curl's cumulative marks (ms since the probe started) and as durations.
 * Local set-up (trust store, credentials) happens before the clock starts.
 */
export interface Timing {
  namelookup: number;
  connect: number;
  appconnect: number | null;
  starttransfer: number | null;
  total: number;
  durations: {
    dns: number;
    tcp: number;
    tls: number | null;
    server: number | null;
    transfer: number | null;
  };
}

/** One TLS handshake message as seen on the wire, in order. */
export interface HandshakeMessage {
  /** Who sent it. */
  from: 'client' | 'server';
  /** RFC 8446 name, e.g. ServerHello, EncryptedExtensions, NewSessionTicket. */
  type: string;
  /** Bytes of the message body plus its 4-byte header. */
  bytes: number;
  /** ms since the probe started when the record carrying it was sent or received. */
  at: number;
  /** Whether it was read in clear, decrypted from the keylog, or not readable. */
  visibility: 'clear' | 'decrypted' | 'opaque';
}

/** A run of records sent by one side without waiting for the other. */
export interface Flight {
  from: 'client' | 'server';
  /** ms since start of the first and last record of the flight. */
  start: number;
  end: number;
  bytes: number;
  messages: string[];
}

/** An alert seen in either direction. */
export interface AlertSeen {
  from: 'client' | 'server';
  /** 'unknown' for a TLS 1.2 alert sent after ChangeCipherSpec (encrypted, not decrypted). */
  level: 'warning' | 'fatal' | 'unknown';
  description: string;
  at: number;
  /** True when the alert came after the client's handshake had completed. */
  afterHandshake: boolean;
}

export interface HandshakeInfo {
  /** Negotiated version, e.g. TLSv1.3; null when the handshake failed. */
  version: string | null;
  /** IANA cipher suite name. */
  cipher: string | null;
  /** Key exchange group, e.g. X25519, P-256. */
  group: string | null;
  alpn: string | null;
  helloRetryRequest: boolean;
  /** Error text when the handshake failed (a finding, not an exception). */
  error: string | null;
  messages: HandshakeMessage[];
  flights: Flight[];
  alerts: AlertSeen[];
}

export type KeyInfo = {
  type: 'RSA' | 'EC' | 'Ed25519' | 'Ed448' | 'unknown';
  bits: number | null;
  curve?: string;
};

/** One certificate in the order the server sent it. */
export interface CertificateInfo {
  index: number;
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  key: KeyInfo;
  signatureAlgorithm: string;
  sha256: string;
  /** SHA-256 of the SubjectPublicKeyInfo, to tell "same key" across rotations. */
  spkiSha256: string;
  bytes: number;
  isCA: boolean;
  selfSigned: boolean;
  ocspUrls: string[];
  caIssuerUrls: string[];
  mustStaple: boolean;
  /** Fields that did not decode (a malformed extension or key); empty for a sound certificate. */
  problems: string[];
}

export interface ChainInfo {
  certificates: CertificateInfo[];
  /** Bytes of the Certificate handshake message (null when not captured). */
  certificateMessageBytes: number | null;
  /** Whether each cert[i+1] issued cert[i]. */
  orderCorrect: boolean;
  /** Whether the last certificate sent is a CA that chains to a trust anchor without help. */
  complete: boolean;
  rootIncluded: boolean;
  hostnameMatches: boolean | null;
  trusted: boolean;
  /** Node/OpenSSL verification error code when not trusted. */
  trustError: string | null;
  /** Days until the leaf's notAfter (negative when expired). */
  leafDaysLeft: number | null;
}

export type StaplingState =
  | 'good'
  | 'revoked'
  | 'unknown'
  | 'missing'
  | 'not-applicable'
  | 'invalid'
  | 'not-requested';

export interface StaplingInfo {
  requested: boolean;
  received: boolean;
  state: StaplingState;
  bytes: number | null;
  certStatus: 'good' | 'revoked' | 'unknown' | null;
  revocationTime: string | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
  producedAt: string | null;
  /** Seconds since thisUpdate at probe time. */
  ageSeconds: number | null;
  /** Seconds until nextUpdate at probe time (negative when past). */
  secondsLeft: number | null;
  signer: 'issuer' | 'delegated' | 'unknown' | null;
  /** For a delegated responder: EKU OCSPSigning present and issued by the leaf's issuer. */
  delegationValid: boolean | null;
  signatureValid: boolean | null;
  /** Serial and issuer hashes of the CertID match the served leaf. */
  certIdMatches: boolean | null;
  /** Responder URL named in the leaf, if any. */
  responderUrl: string | null;
  /** Parse or verification problem, if any. */
  error: string | null;
}

export interface TicketInfo {
  /** ms after the client's handshake completed. */
  arrivedAfterMs: number;
  lifetimeHintSeconds: number | null;
  maxEarlyData: number | null;
}

export interface ResumptionInfo {
  attempted: boolean;
  /** TLS 1.3 NewSessionTicket count after the full handshake (TLS 1.2: 1 if a ticket came). */
  ticketsAfterFull: TicketInfo[];
  /** How the second connection tried to resume. */
  offered: 'ticket' | 'session-id' | 'none';
  resumed: boolean | null;
  /** For TLS 1.2: which mechanism worked. */
  mechanism: 'psk' | 'ticket' | 'session-id' | null;
  /** TLS 1.2: result of a separate probe with tickets disabled, testing the ID cache alone. */
  sessionIdResumed: boolean | null;
  ticketsAfterResumed: number | null;
  appconnectFullMs: number | null;
  appconnectResumedMs: number | null;
  earlyDataAdvertised: boolean;
  error: string | null;
}

export type ClientAuthMode = 'none' | 'optional' | 'required' | 'unknown';

export interface ClientCertVerdict {
  /** Subject of the certificate offered. */
  subject: string;
  source: string;
  verdict: 'accepted' | 'rejected' | 'inconclusive';
  /** Where the rejection showed itself. */
  where: 'handshake-alert' | 'post-handshake-alert' | 'closed-before-response' | 'http-4xx' | null;
  alert: string | null;
  httpStatus: number | null;
  /** Whether the certificate's issuer chain reaches a CA name the server listed. */
  issuerListed: boolean | null;
  notAfter: string;
}

export interface ClientAuthInfo {
  certificateRequested: boolean;
  mode: ClientAuthMode;
  /** Distinguished names from certificate_authorities, as RFC 4514 strings. */
  acceptableCAs: string[];
  signatureAlgorithms: string[];
  /** What happened without a client certificate. */
  withoutCertificate: 'completed' | 'rejected' | 'not-requested';
  offered: ClientCertVerdict[];
}

export interface HttpInfo {
  protocol: 'http/1.1' | 'h2' | null;
  status: number | null;
  statusText: string | null;
  server: string | null;
  altSvc: string | null;
  http3Advertised: boolean;
  error: string | null;
}

/** Round trips the client waited for, counted from the captured flights. */
export interface FlightModel {
  rttMs: number | null;
  rttSource: 'tcp-connect' | 'tls-flights' | 'none';
  roundTrips: {
    tcp: number;
    tls: number | null;
    http: number | null;
    extra: number;
    total: number | null;
  };
  /** Bytes the server sent in its first handshake flight. */
  firstServerFlightBytes: number | null;
  exceedsInitialWindow: boolean;
  phasesInRtt: {
    dns: number | null;
    tcp: number | null;
    tls: number | null;
    server: number | null;
  };
}

/** One projected scenario in the what-if table. */
export interface WhatIfRow {
  rttMs: number;
  scenario: string;
  roundTrips: number;
  ms: number;
  /** Savings against the endpoint as measured (positive saves). */
  savedRoundTrips: number;
  savedMs: number;
}

export interface OcspSideTrip {
  url: string;
  ms: number | null;
  phases: { dns: number | null; connect: number | null; response: number | null };
  certStatus: 'good' | 'revoked' | 'unknown' | null;
  signatureValid: boolean | null;
  error: string | null;
}

/**
 * Pools: every terminator behind one name (all A/AAAA records, `--pool`, or repeated
 * `--connect-to`), probed with the same SNI and compared column by column.
 */

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
  /** Versions that completed a handshake (TLSv1.2 is tried on its own for the session-ID matrix). */
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

/** Top-level report. */
export interface Report {
  reportVersion: string;
  tool: { name: 'tlsflight'; version: string };
  startedAt: string;
  target: TargetInfo;
  /** Set when the probe could not reach a TLS handshake at all. */
  connectionError: string | null;
  timing: Timing | null;
  handshake: HandshakeInfo | null;
  chain: ChainInfo | null;
  stapling: StaplingInfo | null;
  resumption: ResumptionInfo | null;
  clientAuth: ClientAuthInfo | null;
  http: HttpInfo | null;
  flights: FlightModel | null;
  whatIf: WhatIfRow[] | null;
  ocspSideTrip: OcspSideTrip | null;
  /** Every terminator of the name (--all-addresses, --pool); null for one address. */
  pool: PoolInfo | null;
  findings: Finding[];
}
