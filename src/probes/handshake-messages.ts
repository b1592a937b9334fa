/**
 * Parsers for the handshake message bodies a report needs (RFC 8446 §4, RFC 5246 §7.4).
 * Each parser reads a bounded view and throws MalformedMessage on short or bad input;
 * the transcript turns that into a note, never a crash.
 */
import { GROUPS, nameOf, SIGNATURE_SCHEMES, VERSIONS } from './tls-names.js';

/** Thrown by the readers on truncated or inconsistent input. */
export class MalformedMessage extends Error {
  override readonly name = 'MalformedMessage';
}

/** Bounds-checked cursor over a message body. */
export class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  bytes(n: number): Buffer {
    if (n > this.remaining) throw new MalformedMessage(`need ${n} bytes, have ${this.remaining}`);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  uint(n: 1 | 2 | 3 | 4): number {
    return this.bytes(n).readUIntBE(0, n);
  }

  /** A vector with an n-byte length prefix. */
  vector(n: 1 | 2 | 3): Buffer {
    return this.bytes(this.uint(n));
  }
}

/** Extensions block: type → data. */
function readExtensions(r: Reader): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  if (r.remaining === 0) return out;
  const block = new Reader(r.vector(2));
  while (block.remaining > 0) out.set(block.uint(2), block.vector(2));
  return out;
}

/** RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest. */
const HRR_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);

export interface ServerHello {
  helloRetryRequest: boolean;
  version: string;
  cipherSuite: number;
  /** Group of the key share (or, in a HelloRetryRequest, the group asked for). */
  group: string | null;
  /** TLS 1.3: the server accepted an offered PSK (a resumption). */
  pskAccepted: boolean;
  sessionId: Buffer;
}

/** Parses a ServerHello or HelloRetryRequest. */
export function parseServerHello(body: Buffer): ServerHello {
  const r = new Reader(body);
  const legacyVersion = r.uint(2);
  const random = r.bytes(32);
  const sessionId = Buffer.from(r.vector(1));
  const cipherSuite = r.uint(2);
  r.uint(1);
  const ext = readExtensions(r);
  const supported = ext.get(43);
  const version = supported && supported.length >= 2 ? supported.readUInt16BE(0) : legacyVersion;
  const keyShare = ext.get(51);
  return {
    helloRetryRequest: random.equals(HRR_RANDOM),
    version: nameOf(VERSIONS, version),
    cipherSuite,
    group: keyShare && keyShare.length >= 2 ? nameOf(GROUPS, keyShare.readUInt16BE(0)) : null,
    pskAccepted: ext.has(41),
    sessionId,
  };
}

export interface ClientHello {
  sessionId: Buffer;
  offersPsk: boolean;
  /** TLS 1.2 SessionTicket extension carrying a ticket (RFC 5077). */
  offersTicket: boolean;
  earlyData: boolean;
}

/** Parses the parts of a ClientHello that say what the client offered to resume. */
export function parseClientHello(body: Buffer): ClientHello {
  const r = new Reader(body);
  r.bytes(2 + 32);
  const sessionId = Buffer.from(r.vector(1));
  r.vector(2);
  r.vector(1);
  const ext = readExtensions(r);
  return {
    sessionId,
    offersPsk: ext.has(41),
    offersTicket: (ext.get(35)?.length ?? 0) > 0,
    earlyData: ext.has(42),
  };
}

export interface CertificateEntry {
  der: Buffer;
  /** TLS 1.3: OCSP response carried in this entry's status_request extension. */
  ocsp: Buffer | null;
}

/** Parses a Certificate message; `tls13` selects the RFC 8446 §4.4.2 layout. */
export function parseCertificate(body: Buffer, tls13: boolean): CertificateEntry[] {
  const r = new Reader(body);
  if (tls13) r.vector(1);
  const list = new Reader(r.vector(3));
  const out: CertificateEntry[] = [];
  while (list.remaining > 0) {
    const der = Buffer.from(list.vector(3));
    let ocsp: Buffer | null = null;
    if (tls13) {
      const status = readExtensions(list).get(5);
      if (status) ocsp = parseCertificateStatus(status);
    }
    out.push({ der, ocsp });
  }
  return out;
}

/** CertificateStatus (RFC 6066 §8): status_type ocsp(1) then the DER response. */
export function parseCertificateStatus(body: Buffer): Buffer | null {
  const r = new Reader(body);
  if (r.uint(1) !== 1) return null;
  return Buffer.from(r.vector(3));
}

export interface CertificateRequest {
  /** DER of each DistinguishedName in certificate_authorities. */
  authorities: Buffer[];
  signatureAlgorithms: string[];
}

/** Parses a CertificateRequest in either layout. */
export function parseCertificateRequest(body: Buffer, tls13: boolean): CertificateRequest {
  const r = new Reader(body);
  let sigs: Buffer | undefined;
  let cas: Buffer | undefined;
  if (tls13) {
    r.vector(1);
    const ext = readExtensions(r);
    sigs = ext.get(13);
    cas = ext.get(47);
    if (sigs) sigs = new Reader(sigs).vector(2);
    if (cas) cas = new Reader(cas).vector(2);
  } else {
    r.vector(1);
    sigs = r.vector(2);
    cas = r.vector(2);
  }
  const signatureAlgorithms: string[] = [];
  for (let i = 0; sigs && i + 1 < sigs.length; i += 2) {
    signatureAlgorithms.push(nameOf(SIGNATURE_SCHEMES, sigs.readUInt16BE(i)));
  }
  const authorities: Buffer[] = [];
  const list = new Reader(cas ?? Buffer.alloc(0));
  while (list.remaining > 0) authorities.push(Buffer.from(list.vector(2)));
  return { authorities, signatureAlgorithms };
}

export interface NewSessionTicket {
  lifetimeSeconds: number;
  ticketBytes: number;
  /** TLS 1.3 early_data extension: max_early_data_size, or null when absent. */
  maxEarlyData: number | null;
}

/** Parses NewSessionTicket in the TLS 1.3 (§4.6.1) or RFC 5077 layout. */
export function parseNewSessionTicket(body: Buffer, tls13: boolean): NewSessionTicket {
  const r = new Reader(body);
  const lifetimeSeconds = r.uint(4);
  if (!tls13) return { lifetimeSeconds, ticketBytes: r.vector(2).length, maxEarlyData: null };
  r.uint(4);
  r.vector(1);
  const ticketBytes = r.vector(2).length;
  const early = readExtensions(r).get(42);
  return {
    lifetimeSeconds,
    ticketBytes,
    maxEarlyData: early && early.length >= 4 ? early.readUInt32BE(0) : null,
  };
}

/** TLS 1.2 ServerKeyExchange for ECDHE: curve_type named_curve(3) then the group. */
export function parseServerKeyExchangeGroup(body: Buffer): string | null {
  if (body.length < 3 || body[0] !== 3) return null;
  return nameOf(GROUPS, body.readUInt16BE(1));
}
