/**
 * The tlsflight report: the one typed, versioned model that probes fill and every
 * consumer (renderers, flight model, advice, diff, metrics) only reads.
 *
 * Names follow the standards: RFC 5280 for certificates, RFC 6960 for OCSP,
 * RFC 8446 for handshake messages, curl's write-out names for timing marks.
 * The JSON Schema in `schema/report.schema.json` is generated from this file.
 */

import type { PoolInfo } from './pool-model.js';

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

// Pools (--pool, --all-addresses) live in pool-model.ts; consumers import them from here.
export type {
  EarlyDataResult,
  PoolAddressRow,
  PoolColumn,
  PoolInconsistency,
  PoolInfo,
  PoolMatrix,
  PoolMatrixCell,
  PoolSharingVerdict,
  PoolStaple,
  ResumptionLink,
  ResumptionRate,
  ResumptionShortfallCause,
  StaplingSamples,
  TicketAgeResult,
} from './pool-model.js';

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
