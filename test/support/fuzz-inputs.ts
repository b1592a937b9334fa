/**
 * Inputs for fuzzing: byte-level mutations of real inputs, random DER trees, and the real seeds
 * themselves (a lab PKI, a staple, two captured handshakes with a server on 127.0.0.1:0).
 */
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { buildOcspResponse } from '../../src/pki/ocsp-response.js';
import { createLabPki, type LabPki } from '../../src/pki/pki.js';
import { parseKeylog, type Secrets } from '../../src/probes/tls13-decrypt.js';
import { type WireRecord, WireRecorder } from '../../src/probes/wire.js';

/** Real inputs the mutations start from. */
export interface FuzzSeeds {
  pki: LabPki;
  staple: Buffer;
  /** Captured connections (TLS 1.3 with its keylog, TLS 1.2). */
  captures: Array<{ records: WireRecord[]; secrets: Secrets }>;
  /** Handshake bodies by parser key ('11' or '11/1.3'): real from the captures, or built. */
  bodies: Map<string, Buffer[]>;
}

/** One byte-level edit. */
export type Mutation = {
  kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate';
  at: number;
  value: number;
};

/** An arbitrary edit. */
export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
});

/** Applies edits to a copy of `seed`. */
export function mutate(seed: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(seed);
  for (const m of mutations) {
    const at = b.length ? m.at % b.length : 0;
    if (m.kind === 'flip' && b.length) b[at] = b[at]! ^ (1 << (m.value % 8));
    if (m.kind === 'set' && b.length) b[at] = m.value;
    if (m.kind === 'insert')
      b = Buffer.concat([b.subarray(0, at), Buffer.from([m.value]), b.subarray(at)]);
    if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    if (m.kind === 'truncate') b = b.subarray(0, at);
  }
  return b;
}

/** `seed` with one to eight byte-level edits. */
export function mutated(seed: Buffer): fc.Arbitrary<Buffer> {
  return fc.array(mutation, { minLength: 1, maxLength: 8 }).map((ms) => mutate(seed, ms));
}

/** Random bytes, up to `maxLength`. */
export const bytes = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a.buffer, a.byteOffset, a.length));

/** DER length octets (X.690 8.1.3), off by `lie`. */
function derLength(n: number, lie: number): Buffer {
  const len = Math.max(0, n + lie);
  if (len < 0x80) return Buffer.from([len]);
  const octets = Buffer.from(len.toString(16).padStart(len > 0xff ? 4 : 2, '0'), 'hex');
  return Buffer.concat([Buffer.from([0x80 | octets.length]), octets]);
}

const tlv = (tag: number, content: Buffer, lie: number) =>
  Buffer.concat([Buffer.from([tag]), derLength(content.length, lie), content]);
const PRIMITIVE_TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x13, 0x17, 0x18, 0x80, 0x86];
const LIES = [0, 0, 0, 0, 1, -1, 200];

/** Random trees of DER TLVs: shaped like ASN.1, wrong in every way ASN.1 can be. */
export const derTree: fc.Arbitrary<Buffer> = fc.letrec<{ node: Buffer }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc
      .tuple(fc.constantFrom(...PRIMITIVE_TAGS), bytes(24), fc.constantFrom(...LIES))
      .map(([tag, content, lie]) => tlv(tag, content, lie)),
    fc
      .tuple(
        fc.constantFrom(0x30, 0x31, 0xa0, 0xa1, 0xa2, 0xa3),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.constantFrom(...LIES),
      )
      .map(([tag, children, lie]) => tlv(tag, Buffer.concat(children), lie)),
  ),
})).node;

/** Random bytes, a random DER tree, or a mutated seed. */
export function inputsFrom(...seeds: Buffer[]): fc.Arbitrary<Buffer> {
  return fc.oneof(bytes(512), derTree, ...seeds.map(mutated));
}

/** Builds the seeds: a lab PKI, a real staple, two real captured handshakes, message bodies. */
export async function fuzzSeeds(): Promise<FuzzSeeds> {
  const pki = await createLabPki({ ocspUrl: 'http://127.0.0.1:9/ocsp' });
  const staple = buildOcspResponse({
    leaf: pki.leaf,
    issuer: pki.intermediate,
    signer: pki.ocspResponder,
  });
  const captures = [await capture(pki, 'TLSv1.3'), await capture(pki, 'TLSv1.2')];
  const bodies = tls13Bodies(pki, staple);
  for (const c of captures) collectBodies(c.records, bodies);
  return { pki, staple, captures, bodies };
}

/** A vector with an n-byte length prefix (RFC 8446 §3.4). */
function vec(n: 1 | 2 | 3, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length = Buffer.alloc(n);
  length.writeUIntBE(body.length, 0, n);
  return Buffer.concat([length, body]);
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const ext = (type: number, data: Buffer) => Buffer.concat([u16(type), vec(2, data)]);

/** TLS 1.3 bodies the captures hold only encrypted, built by the RFC 8446 §4 layouts. */
function tls13Bodies(pki: LabPki, staple: Buffer): Map<string, Buffer[]> {
  const status = Buffer.concat([Buffer.from([1]), vec(3, staple)]);
  const leafEntry = Buffer.concat([vec(3, pki.leaf.certDer), vec(2, ext(5, status))]);
  const caEntry = Buffer.concat([vec(3, pki.intermediate.certDer), vec(2)]);
  const certificate = Buffer.concat([vec(1), vec(3, leafEntry, caEntry)]);
  const ticket = Buffer.concat([
    Buffer.from([0, 0, 0x1c, 0x20, 1, 2, 3, 4]),
    vec(1, Buffer.from([0])),
    vec(2, Buffer.alloc(96, 7)),
    vec(2, ext(42, Buffer.from([0, 0, 0x40, 0]))),
  ]);
  const caName = Buffer.from(pki.clientRoot.certificate.subjectName.toArrayBuffer());
  const sigAlgs = ext(13, vec(2, u16(0x0403), u16(0x0804)));
  const request = Buffer.concat([vec(1), vec(2, sigAlgs, ext(47, vec(2, vec(2, caName))))]);
  return new Map([
    ['11/1.3', [certificate]],
    ['4/1.3', [ticket]],
    ['13/1.3', [request]],
  ]);
}

/** Clear handshake bodies (the TLS 1.2 flight, the TLS 1.3 hellos) by type. */
function collectBodies(records: WireRecord[], out: Map<string, Buffer[]>): void {
  for (const from of ['client', 'server'] as const) {
    const clear = records.filter((r) => r.from === from && r.contentType === 22);
    const stream = Buffer.concat(clear.map((r) => r.payload));
    for (let at = 0; at + 4 <= stream.length; ) {
      const length = stream.readUIntBE(at + 1, 3);
      const key = String(stream[at]);
      out.set(key, [
        ...(out.get(key) ?? []),
        Buffer.from(stream.subarray(at + 4, at + 4 + length)),
      ]);
      at += 4 + length;
    }
  }
}

/** One real handshake and response with a stapling, mTLS-asking server on 127.0.0.1:0. */
async function capture(pki: LabPki, version: tls.SecureVersion) {
  const staple = buildOcspResponse({
    leaf: pki.leaf,
    issuer: pki.intermediate,
    signer: pki.intermediate,
  });
  const server = tls.createServer({
    cert: pki.leaf.certPem + pki.intermediate.certPem,
    key: pki.leaf.keyPem,
    maxVersion: version,
    requestCert: true,
    rejectUnauthorized: false,
    ca: pki.clientRoot.certPem,
  });
  server.on('OCSPRequest', (_c, _i, cb) => cb(null, staple));
  server.on('secureConnection', (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await captureFrom((server.address() as net.AddressInfo).port);
  } finally {
    server.close();
  }
}

async function captureFrom(port: number): Promise<{ records: WireRecord[]; secrets: Secrets }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const recorder = new WireRecorder(socket, () => Date.now());
  const keylog: Buffer[] = [];
  // requestOCSP is a documented tls.connect option missing from @types/node 20.
  const options = { socket: recorder, servername: 'localhost', rejectUnauthorized: false };
  const client = tls.connect({ ...options, requestOCSP: true } as tls.ConnectionOptions);
  client.on('keylog', (line) => keylog.push(line));
  client.on('error', () => {});
  client.resume();
  const timer = setTimeout(() => client.destroy(), 5000);
  await new Promise((resolve) => client.once('close', resolve));
  clearTimeout(timer);
  return { records: recorder.records, secrets: parseKeylog(keylog) };
}
