/**
 * Decrypts TLS 1.3 records of a captured connection with the secrets from Node's 'keylog'
 * event (NSS key log format). RFC 8446 §7.1 (key schedule), §5.2-5.3 (record protection).
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import type { WireRecord } from './wire.js';

interface SuiteParams {
  aead: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  hash: 'sha256' | 'sha384';
  keyLength: number;
}

const SUITES: Record<number, SuiteParams> = {
  0x1301: { aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16 },
  0x1302: { aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32 },
  0x1303: { aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32 },
};

/** Secrets from the keylog, by NSS label (CLIENT_HANDSHAKE_TRAFFIC_SECRET, ...). */
export type Secrets = Map<string, Buffer>;

/** Parses keylog lines (`LABEL client_random secret`) into a label → secret map. */
export function parseKeylog(lines: Buffer[]): Secrets {
  const secrets: Secrets = new Map();
  for (const line of lines) {
    const [label, , secret] = line.toString('latin1').trim().split(' ');
    if (label && secret) secrets.set(label, Buffer.from(secret, 'hex'));
  }
  return secrets;
}

/** HKDF-Expand (RFC 5869 §2.3); Node's hkdf always extracts first, so expand by hand. */
function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    previous = createHmac(hash, prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label with an empty context (RFC 8446 §7.1). */
function expandLabel(hash: string, secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, full.length]),
    full,
    Buffer.from([0]),
  ]);
  return hkdfExpand(hash, secret, info, length);
}

/** Record protection state for one direction and one epoch. */
export class RecordKeys {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private seq = 0n;

  constructor(
    private readonly suite: SuiteParams,
    secret: Buffer,
  ) {
    this.key = expandLabel(suite.hash, secret, 'key', suite.keyLength);
    this.iv = expandLabel(suite.hash, secret, 'iv', 12);
  }

  /** Decrypts one protected record; returns the inner content type and plaintext, or null. */
  open(record: WireRecord): { contentType: number; plaintext: Buffer } | null {
    const nonce = Buffer.from(this.iv);
    const seq = this.seq++;
    for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((seq >> BigInt(8 * i)) & 0xffn);
    const body = record.payload;
    if (body.length < 17) return null;
    const header = Buffer.from([record.contentType, 3, 3, body.length >> 8, body.length & 0xff]);
    try {
      const decipher = createDecipheriv(this.suite.aead, this.key, nonce, {
        authTagLength: 16,
      } as never);
      (decipher as unknown as { setAAD(b: Buffer): void }).setAAD(header);
      (decipher as unknown as { setAuthTag(b: Buffer): void }).setAuthTag(body.subarray(-16));
      const inner = Buffer.concat([decipher.update(body.subarray(0, -16)), decipher.final()]);
      let end = inner.length - 1;
      while (end >= 0 && inner[end] === 0) end--;
      if (end < 0) return null;
      return { contentType: inner[end]!, plaintext: inner.subarray(0, end) };
    } catch {
      return null;
    }
  }
}

/** Builds record keys for a TLS 1.3 suite id, or null for a suite we cannot open. */
export function keysFor(suiteId: number, secret: Buffer | undefined): RecordKeys | null {
  const suite = SUITES[suiteId];
  return suite && secret ? new RecordKeys(suite, secret) : null;
}
