/**
 * A Duplex between Node's TLS client and the TCP socket that records every byte with a
 * timestamp. Node exposes no handshake messages (TLS-FACTS: "Seeing the handshake itself"),
 * so the capture is the only way to see flights, the chain as sent and CertificateRequest.
 */

import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** One TLS record as it crossed the wire. */
export interface WireRecord {
  from: 'client' | 'server';
  /** Clock time (ms, from the probe's clock) when the record's last byte was seen. */
  at: number;
  contentType: number;
  /** Record-layer payload (still encrypted when protected); empty when dropped. */
  payload: Buffer;
  /** Length of a payload dropped to bound memory (see MAX_APP_DATA). */
  droppedBytes?: number;
}

const HEADER = 5;
/** RFC 8446 §5.1: records carry at most 2^14 + 256 bytes of ciphertext. */
const MAX_RECORD = 16384 + 2048;
const APPLICATION_DATA = 23;
/**
 * Bounds per direction, so a server that floods (tickets in a loop, an endless body) cannot
 * grow a probe's memory: records past MAX_RECORDS are only counted, and application data past
 * MAX_APP_DATA keeps its timing and length but not its bytes. Tickets and the first response
 * bytes come well before either bound.
 */
const MAX_RECORDS = 4096;
const MAX_APP_DATA = 256 * 1024;

/** Splits a byte stream into TLS records; flags a stream that is not TLS. */
class RecordFramer {
  private pending: Buffer = Buffer.alloc(0);
  private kept = 0;
  private appData = 0;
  notTls = false;
  /** Records seen but not kept (past MAX_RECORDS). */
  dropped = 0;

  constructor(
    private readonly from: 'client' | 'server',
    private readonly out: WireRecord[],
  ) {}

  push(chunk: Buffer, at: number): void {
    if (this.notTls) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= HEADER) {
      const type = this.pending[0]!;
      const length = this.pending.readUInt16BE(3);
      if (type < 20 || type > 24 || this.pending[1] !== 3 || length > MAX_RECORD) {
        this.notTls = true;
        return;
      }
      if (this.pending.length < HEADER + length) return;
      this.keep(type, this.pending.subarray(HEADER, HEADER + length), at);
      this.pending = this.pending.subarray(HEADER + length);
    }
  }

  private keep(contentType: number, payload: Buffer, at: number): void {
    if (this.kept >= MAX_RECORDS) {
      this.dropped += 1;
      return;
    }
    this.kept += 1;
    if (contentType === APPLICATION_DATA) this.appData += payload.length;
    const record: WireRecord = { from: this.from, at, contentType, payload: Buffer.alloc(0) };
    if (contentType === APPLICATION_DATA && this.appData > MAX_APP_DATA) {
      record.droppedBytes = payload.length;
    } else {
      record.payload = Buffer.from(payload);
    }
    this.out.push(record);
  }
}

/** Records both directions of one TLS connection carried over `socket`. */
export class WireRecorder extends Duplex {
  readonly records: WireRecord[] = [];
  /** First bytes the server sent, kept to explain a non-TLS answer. */
  firstServerBytes: Buffer | null = null;
  readonly serverFramer = new RecordFramer('server', this.records);
  private readonly clientFramer = new RecordFramer('client', this.records);

  constructor(
    readonly socket: Socket,
    private readonly now: () => number,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => {
      if (!this.firstServerBytes) this.firstServerBytes = Buffer.from(chunk.subarray(0, 64));
      this.serverFramer.push(chunk, this.now());
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.clientFramer.push(chunk, this.now());
    this.socket.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }

  /** Records seen in either direction but not kept (a flood past MAX_RECORDS). */
  get droppedRecords(): number {
    return this.serverFramer.dropped + this.clientFramer.dropped;
  }

  /** True when the server answered with bytes that are not TLS records. */
  get serverSpokeNonTls(): boolean {
    return this.serverFramer.notTls;
  }
}
