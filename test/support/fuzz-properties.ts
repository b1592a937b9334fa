/**
 * Fuzz properties shared by test/fuzz.test.ts (a seeded few thousand cases) and bench/fuzz.ts
 * (100k+): the OCSP verifier, certificate parsing, the handshake message parsers, the
 * transcript builder, the record framer and the keylog parser. A property holds when every
 * failure is a verdict, a null, a note or a typed error, never an uncaught exception.
 */
import net from 'node:net';
import { BasicOCSPResponse, OCSPResponse } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import fc from 'fast-check';
import { describeCertificate, parseCertificateDer } from '../../src/probes/certificate.js';
import * as msg from '../../src/probes/handshake-messages.js';
import { verifyOcspResponse } from '../../src/probes/ocsp-verify.js';
import { parseKeylog } from '../../src/probes/tls13-decrypt.js';
import { buildTranscript } from '../../src/probes/transcript.js';
import { type WireRecord, WireRecorder } from '../../src/probes/wire.js';
import { bytes, type FuzzSeeds, inputsFrom, mutate, mutated, mutation } from './fuzz-inputs.js';

/** A property, strict (stops at the first failure) or counting (runs every case). */
export interface Checked {
  strict: fc.IProperty<[unknown]>;
  counting(onFailure: (err: unknown) => void): fc.IProperty<[unknown]>;
}

function checked<T>(input: fc.Arbitrary<T>, check: (value: T) => boolean): Checked {
  const erase = (p: fc.IProperty<[T]>) => p as unknown as fc.IProperty<[unknown]>;
  const counting = (onFailure: (err: unknown) => void) =>
    fc.property(input, (value) => {
      try {
        if (!check(value)) onFailure(new Error('property returned false'));
      } catch (err) {
        onFailure(err);
      }
      return true;
    });
  return {
    strict: erase(fc.property(input, check)),
    counting: (onFailure) => erase(counting(onFailure)),
  };
}

/** One named property with its share of the cases. */
export interface FuzzTarget {
  name: string;
  weight: number;
  property: Checked;
  /** A known bug this property finds, not fixed yet (the test runs it as a todo). */
  knownBug?: string;
}

/** Whether `fn` returns or throws only errors of `typed` (anything else is rethrown). */
function throwsOnly(fn: () => unknown, typed: new (...a: never[]) => Error): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (err instanceof typed) return true;
    throw err;
  }
}

/** tbsResponseData and signature of a BasicOCSPResponse, as encoded. */
function signedParts(staple: Buffer): Buffer[] {
  const response = AsnConvert.parse(staple, OCSPResponse);
  const basic = AsnConvert.parse(response.responseBytes!.response.buffer, BasicOCSPResponse);
  return [Buffer.from(AsnConvert.serialize(basic.tbsResponseData)), Buffer.from(basic.signature)];
}

function ocspTarget(seeds: FuzzSeeds): FuzzTarget {
  const { leaf, intermediate } = seeds.pki;
  const input = fc.record({
    staple: inputsFrom(seeds.staple),
    leaf: fc.oneof(fc.constant(leaf.certDer), mutated(leaf.certDer)),
    issuer: fc.oneof(
      fc.constant(intermediate.certDer),
      fc.constant(null),
      mutated(intermediate.certDer),
    ),
  });
  const signed = signedParts(seeds.staple);
  const property = checked(input, ({ staple, leaf: l, issuer }) => {
    const v = verifyOcspResponse(staple, l, issuer, new Date());
    // A verdict with no error names a status; one with an error leaves it null.
    const typed = v.error === null ? v.certStatus !== null : typeof v.error === 'string';
    // No forgery: a signature verifies only over the bytes the responder signed.
    const unforged = v.signatureValid !== true || signed.every((part) => staple.includes(part));
    return typed && unforged;
  });
  return { name: 'OCSP verifier (verifyOcspResponse)', weight: 3, property };
}

function certificateTargets(seeds: FuzzSeeds): FuzzTarget[] {
  const { leaf, intermediate, mustStapleLeaf } = seeds.pki;
  const input = inputsFrom(leaf.certDer, intermediate.certDer, mustStapleLeaf.certDer);
  const parse = checked(input, (der) => {
    const parsed = parseCertificateDer(der);
    return parsed === null || parsed.der === der;
  });
  const describe = checked(input, (der) => {
    const parsed = parseCertificateDer(der);
    if (parsed) describeCertificate(parsed, 0);
    return true;
  });
  return [
    { name: 'certificate parsing (parseCertificateDer)', weight: 1, property: parse },
    {
      name: 'certificate description (describeCertificate)',
      weight: 1,
      property: describe,
    },
  ];
}

/** Message parsers with the key of their seed bodies (handshake type, layout). */
const PARSERS: Array<[string, string, (body: Buffer) => unknown]> = [
  ['parseClientHello', '1', msg.parseClientHello],
  ['parseServerHello', '2', msg.parseServerHello],
  ['parseNewSessionTicket (1.3)', '4/1.3', (b) => msg.parseNewSessionTicket(b, true)],
  ['parseNewSessionTicket (1.2)', '4', (b) => msg.parseNewSessionTicket(b, false)],
  ['parseCertificate (1.3)', '11/1.3', (b) => msg.parseCertificate(b, true)],
  ['parseCertificate (1.2)', '11', (b) => msg.parseCertificate(b, false)],
  ['parseServerKeyExchangeGroup', '12', msg.parseServerKeyExchangeGroup],
  ['parseCertificateRequest (1.3)', '13/1.3', (b) => msg.parseCertificateRequest(b, true)],
  ['parseCertificateRequest (1.2)', '13', (b) => msg.parseCertificateRequest(b, false)],
  ['parseCertificateStatus', '22', msg.parseCertificateStatus],
];

function parserTargets(seeds: FuzzSeeds): FuzzTarget[] {
  return PARSERS.map(([name, key, parse]) => {
    const input = inputsFrom(...(seeds.bodies.get(key) ?? []).slice(0, 4));
    const property = checked(input, (body) => throwsOnly(() => parse(body), msg.MalformedMessage));
    return { name: `handshake parser ${name}`, weight: 1, property };
  });
}

const record = (from: 'client' | 'server'): fc.Arbitrary<WireRecord> =>
  fc.record({
    from: fc.constant(from),
    at: fc.double({ min: 0, max: 1e6, noNaN: true }),
    contentType: fc.constantFrom(20, 21, 22, 23, 24, 0, 255),
    payload: bytes(300),
  });

const edit = fc.record({
  index: fc.nat(),
  mutations: fc.array(mutation, { maxLength: 4 }),
  op: fc.constantFrom('mutate', 'drop', 'dup', 'swap'),
});

/** Real captures with records mutated, dropped, duplicated or swapped; or random streams. */
function recordStreams(seeds: FuzzSeeds) {
  const real = fc
    .record({
      capture: fc.constantFrom(...seeds.captures),
      edits: fc.array(edit, { maxLength: 6 }),
    })
    .map(({ capture, edits }) => {
      const records = capture.records.map((r) => ({ ...r }));
      for (const e of edits) {
        const i = e.index % records.length;
        if (e.op === 'mutate') records[i]!.payload = mutate(records[i]!.payload, e.mutations);
        if (e.op === 'drop') records.splice(i, 1);
        if (e.op === 'dup') records.splice(i, 0, { ...records[i]! });
        if (e.op === 'swap' && i + 1 < records.length) {
          [records[i], records[i + 1]] = [records[i + 1]!, records[i]!];
        }
      }
      return { records, secrets: capture.secrets };
    });
  const random = fc.record({
    records: fc.array(fc.oneof(record('client'), record('server')), { maxLength: 20 }),
    secrets: fc.constant(seeds.captures[0]!.secrets),
  });
  return fc.oneof(real, random);
}

function transcriptTarget(seeds: FuzzSeeds): FuzzTarget {
  const property = checked(recordStreams(seeds), ({ records, secrets }) => {
    const t = buildTranscript(records, secrets);
    return t.messages.length <= 514 && Array.isArray(t.notes);
  });
  return { name: 'transcript builder on record streams', weight: 2, property };
}

/** A stand-in TCP socket: the recorder listens to it and writes through it. */
class FakeSocket extends net.Socket {
  override write(_chunk: unknown, cb?: unknown): boolean {
    if (typeof cb === 'function') cb();
    return true;
  }
}

function framerTarget(): FuzzTarget {
  const header = fc.constant(Buffer.from([22, 3, 3, 0, 4, 1, 0, 0, 0]));
  const chunks = fc.array(fc.oneof(bytes(64), header), { maxLength: 30 });
  const property = checked(chunks, (list) => {
    const socket = new FakeSocket();
    const recorder = new WireRecorder(socket, () => 0);
    recorder.on('error', () => {});
    for (const chunk of list) socket.emit('data', chunk);
    const kept = recorder.records.reduce((n, r) => n + r.payload.length, 0);
    recorder.destroy();
    return kept <= list.reduce((n, c) => n + c.length, 0);
  });
  return { name: 'record framer (WireRecorder) on byte streams', weight: 1, property };
}

function keylogTarget(): FuzzTarget {
  const line = fc.oneof(
    bytes(200),
    fc.string().map((s) => Buffer.from(s)),
  );
  const property = checked(fc.array(line, { maxLength: 10 }), (l) => parseKeylog(l) instanceof Map);
  return { name: 'keylog parser (parseKeylog)', weight: 1, property };
}

/** Every fuzz target. */
export function fuzzTargets(seeds: FuzzSeeds): FuzzTarget[] {
  return [
    ocspTarget(seeds),
    ...certificateTargets(seeds),
    ...parserTargets(seeds),
    transcriptTarget(seeds),
    framerTarget(),
    keylogTarget(),
  ];
}
