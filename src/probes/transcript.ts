/**
 * Turns the captured records of one connection into the handshake as it happened:
 * messages in order (decrypted for TLS 1.3), flights, alerts, the chain as sent, the
 * staple, CertificateRequest and NewSessionTickets with their arrival times.
 */
import type { AlertSeen, Flight, HandshakeMessage } from '../report/model.js';
import {
  type CertificateEntry,
  type CertificateRequest,
  type ClientHello,
  type NewSessionTicket,
  parseCertificate,
  parseCertificateRequest,
  parseCertificateStatus,
  parseClientHello,
  parseNewSessionTicket,
  parseServerHello,
  parseServerKeyExchangeGroup,
  type ServerHello,
} from './handshake-messages.js';
import { ALERTS, HANDSHAKE_TYPES, nameOf } from './tls-names.js';
import { keysFor, type RecordKeys, type Secrets } from './tls13-decrypt.js';
import type { WireRecord } from './wire.js';

const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
/** Messages listed per connection; a server looping NewSessionTickets must not grow a report. */
const MAX_MESSAGES = 512;

/** Everything the probes read from one captured connection. */
export interface Transcript {
  messages: HandshakeMessage[];
  flights: Flight[];
  alerts: AlertSeen[];
  serverHello: ServerHello | null;
  helloRetryRequest: boolean;
  tls13: boolean;
  clientHellos: ClientHello[];
  certificates: CertificateEntry[] | null;
  certificateMessageBytes: number | null;
  staple: Buffer | null;
  certificateRequest: CertificateRequest | null;
  tickets: Array<{ at: number; ticket: NewSessionTicket }>;
  /** TLS 1.2 ECDHE group from ServerKeyExchange. */
  keyExchangeGroup: string | null;
  /** Times of server records carrying application data (decrypted or not). */
  serverAppData: number[];
  /** Parse or decryption problems, for --verbose. */
  notes: string[];
}

interface Direction {
  from: 'client' | 'server';
  keys: RecordKeys | null;
  /** The next epoch's keys are installed after this side's Finished. */
  finished: boolean;
  changedCipher: boolean;
  /** Bytes of a handshake message not yet complete, with where it started. */
  pending: Buffer;
  pendingAt: number;
  pendingVisibility: 'clear' | 'decrypted';
}

/** Builds the transcript; `secrets` come from the client's keylog (TLS 1.3 only). */
export function buildTranscript(records: WireRecord[], secrets: Secrets): Transcript {
  return new TranscriptBuilder(secrets).run(records);
}

class TranscriptBuilder {
  private readonly t: Transcript = {
    messages: [],
    flights: [],
    alerts: [],
    serverHello: null,
    helloRetryRequest: false,
    tls13: false,
    clientHellos: [],
    certificates: null,
    certificateMessageBytes: null,
    staple: null,
    certificateRequest: null,
    tickets: [],
    keyExchangeGroup: null,
    serverAppData: [],
    notes: [],
  };
  private readonly dirs = {
    client: this.direction('client'),
    server: this.direction('server'),
  };
  private labels: string[] = [];
  private unlisted = 0;

  constructor(private readonly secrets: Secrets) {}

  private direction(from: 'client' | 'server'): Direction {
    return {
      from,
      keys: null,
      finished: false,
      changedCipher: false,
      pending: Buffer.alloc(0),
      pendingAt: 0,
      pendingVisibility: 'clear',
    };
  }

  run(records: WireRecord[]): Transcript {
    for (const record of records) {
      this.labels = [];
      this.record(record);
      this.addToFlight(record);
    }
    for (const dir of Object.values(this.dirs)) this.incomplete(dir);
    if (this.unlisted) this.t.notes.push(`${this.unlisted} more handshake messages not listed`);
    return this.t;
  }

  /**
   * A message cut short: the peer stopped, or the client gave up on it (OpenSSL refuses a
   * Certificate message over 100 KB after reading its header). Its declared size is still news.
   */
  private incomplete(dir: Direction): void {
    if (dir.pending.length < 4) return;
    const type = dir.pending[0]!;
    const declared = dir.pending.readUIntBE(1, 3) + 4;
    const name = nameOf(HANDSHAKE_TYPES, type);
    this.t.notes.push(
      `incomplete ${name} from ${dir.from}: ${dir.pending.length} of ${declared} bytes`,
    );
    if (type === 11 && dir.from === 'server') this.t.certificateMessageBytes ??= declared;
    const message = {
      from: dir.from,
      type: name,
      bytes: declared,
      at: dir.pendingAt,
      visibility: dir.pendingVisibility,
    };
    const later = this.t.messages.findIndex((m) => m.at > message.at);
    this.t.messages.splice(later < 0 ? this.t.messages.length : later, 0, message);
  }

  private record(rec: WireRecord): void {
    const dir = this.dirs[rec.from];
    if (rec.contentType === CHANGE_CIPHER_SPEC) {
      dir.changedCipher = true;
      this.labels.push('ChangeCipherSpec');
      return;
    }
    if (rec.contentType === APPLICATION_DATA && this.t.tls13) {
      this.protected(rec, dir);
    } else if (rec.contentType !== APPLICATION_DATA && dir.changedCipher && !this.t.tls13) {
      this.opaque12(rec);
    } else {
      this.plain(rec, rec.contentType, rec.payload, 'clear');
    }
  }

  private protected(rec: WireRecord, dir: Direction): void {
    if (!dir.keys) this.installKeys(dir);
    const opened = dir.keys?.open(rec) ?? null;
    if (!opened) {
      this.labels.push('encrypted');
      if (rec.from === 'server') this.t.serverAppData.push(rec.at);
      return;
    }
    this.plain(rec, opened.contentType, opened.plaintext, 'decrypted');
  }

  /** TLS 1.2 after ChangeCipherSpec: we only know the record type (the keys stay with OpenSSL). */
  private opaque12(rec: WireRecord): void {
    if (rec.contentType === ALERT) {
      // Level and description are encrypted; a close_notify looks the same as a fatal alert.
      this.t.alerts.push({
        from: rec.from,
        level: 'unknown',
        description: 'encrypted',
        at: rec.at,
        afterHandshake: false,
      });
      this.labels.push('Alert(encrypted)');
      return;
    }
    this.message(rec, 'Finished', rec.payload.length, 'opaque');
  }

  private plain(rec: WireRecord, type: number, data: Buffer, vis: 'clear' | 'decrypted'): void {
    if (type === APPLICATION_DATA) {
      this.labels.push('ApplicationData');
      if (rec.from === 'server') this.t.serverAppData.push(rec.at);
      return;
    }
    if (type === ALERT && data.length >= 2) {
      const description = nameOf(ALERTS, data[1]!).replace(/^0x00/, 'alert_');
      this.labels.push(`Alert(${description})`);
      this.t.alerts.push({
        from: rec.from,
        level: data[0] === 1 ? 'warning' : 'fatal',
        description,
        at: rec.at,
        afterHandshake: false,
      });
      return;
    }
    if (type !== HANDSHAKE) return;
    const dir = this.dirs[rec.from];
    if (dir.pending.length === 0) {
      dir.pendingAt = rec.at;
      dir.pendingVisibility = vis;
    }
    dir.pending = dir.pending.length ? Buffer.concat([dir.pending, data]) : data;
    while (dir.pending.length >= 4) {
      const length = dir.pending.readUIntBE(1, 3);
      if (dir.pending.length < 4 + length) break;
      const msgType = dir.pending[0]!;
      const body = dir.pending.subarray(4, 4 + length);
      dir.pending = dir.pending.subarray(4 + length);
      dir.pendingAt = rec.at;
      this.handshake(rec, dir, msgType, body, vis);
    }
  }

  private handshake(
    rec: WireRecord,
    dir: Direction,
    type: number,
    body: Buffer,
    vis: 'clear' | 'decrypted',
  ): void {
    let name = nameOf(HANDSHAKE_TYPES, type);
    if (this.t.messages.length >= MAX_MESSAGES) {
      this.unlisted += 1;
    } else {
      try {
        name = this.interpret(rec, type, body) ?? name;
      } catch (err) {
        this.t.notes.push(`malformed ${name} from ${rec.from}: ${(err as Error).message}`);
      }
      this.message(rec, name, body.length + 4, vis);
    }
    if (type === 20 && this.t.tls13) {
      // RFC 8446 §7.1: after its Finished each side switches to application traffic keys.
      dir.finished = true;
      dir.keys = null;
    }
  }

  /** Reads a message's contents; returns a more specific name when there is one. */
  private interpret(rec: WireRecord, type: number, body: Buffer): string | undefined {
    const t = this.t;
    switch (type) {
      case 1:
        t.clientHellos.push(parseClientHello(body));
        return;
      case 2: {
        const hello = parseServerHello(body);
        if (hello.helloRetryRequest) {
          // RFC 8446 §4.1.4: only TLS 1.3 has HelloRetryRequest; what follows is TLS 1.3 framing.
          t.helloRetryRequest = true;
          t.tls13 = true;
          return 'HelloRetryRequest';
        }
        t.serverHello = hello;
        t.tls13 = hello.version === 'TLSv1.3';
        return;
      }
      case 11:
        if (rec.from === 'client') return;
        t.certificates = parseCertificate(body, t.tls13);
        t.certificateMessageBytes = body.length + 4;
        t.staple = t.certificates[0]?.ocsp ?? t.staple;
        return;
      case 22:
        t.staple = parseCertificateStatus(body);
        return;
      case 13:
        t.certificateRequest = parseCertificateRequest(body, t.tls13);
        return;
      case 4:
        t.tickets.push({ at: rec.at, ticket: parseNewSessionTicket(body, t.tls13) });
        return;
      case 12:
        t.keyExchangeGroup = parseServerKeyExchangeGroup(body);
        return;
    }
  }

  private installKeys(dir: Direction): void {
    const suite = this.t.serverHello?.cipherSuite ?? 0;
    const side = dir.from === 'client' ? 'CLIENT' : 'SERVER';
    const label = dir.finished ? `${side}_TRAFFIC_SECRET_0` : `${side}_HANDSHAKE_TRAFFIC_SECRET`;
    dir.keys = keysFor(suite, this.secrets.get(label));
    if (!dir.keys) this.t.notes.push(`no ${label} in the keylog: ${dir.from} records stay opaque`);
  }

  private message(
    rec: WireRecord,
    type: string,
    bytes: number,
    vis: HandshakeMessage['visibility'],
  ): void {
    this.t.messages.push({ from: rec.from, type, bytes, at: rec.at, visibility: vis });
    this.labels.push(type);
  }

  private addToFlight(rec: WireRecord): void {
    const last = this.t.flights.at(-1);
    const bytes = rec.payload.length + (rec.droppedBytes ?? 0) + 5;
    if (last && last.from === rec.from) {
      last.end = rec.at;
      last.bytes += bytes;
      last.messages.push(...this.labels);
      return;
    }
    this.t.flights.push({
      from: rec.from,
      start: rec.at,
      end: rec.at,
      bytes,
      messages: [...this.labels],
    });
  }
}
