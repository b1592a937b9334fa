import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BasicOCSPResponse, OCSPResponse } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import {
  buildErrorOcspResponse,
  buildOcspResponse,
  type OcspResponseOptions,
} from '../src/pki/ocsp-response.js';
import {
  createLabPki,
  type IssuedCert,
  issueCertificate,
  type LabPki,
  wholeSeconds,
  writeLabPki,
} from '../src/pki/pki.js';
import { type OcspVerdict, verifyOcspResponse } from '../src/probes/ocsp-verify.js';

const run = promisify(execFile);
const NOW = wholeSeconds(new Date());
const HOUR = 3600_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);

let pki: LabPki;
before(async () => {
  pki = await createLabPki();
});

/** A response about pki.leaf, signed by the intermediate, valid NOW-1h .. NOW+1d. */
function respond(extra: Partial<OcspResponseOptions> = {}): Buffer {
  return buildOcspResponse({
    leaf: pki.leaf,
    issuer: pki.intermediate,
    signer: pki.intermediate,
    thisUpdate: at(-HOUR),
    nextUpdate: at(24 * HOUR),
    producedAt: at(-HOUR),
    ...extra,
  });
}

interface Row {
  name: string;
  response: () => Buffer;
  /** Default: the intermediate, as a server that sends its chain. */
  issuer?: () => Buffer | null;
  expect: Partial<OcspVerdict>;
}

const FRESH_GOOD: Partial<OcspVerdict> = {
  certStatus: 'good',
  thisUpdate: at(-HOUR).toISOString(),
  nextUpdate: at(24 * HOUR).toISOString(),
  ageSeconds: 3600,
  secondsLeft: 86400,
  signer: 'issuer',
  delegationValid: null,
  signatureValid: true,
  certIdMatches: true,
  error: null,
};

const rows: Row[] = [
  { name: 'good, ResponderID by key', response: () => respond(), expect: FRESH_GOOD },
  {
    name: 'good, ResponderID by name',
    response: () => respond({ responderId: 'name' }),
    expect: FRESH_GOOD,
  },
  {
    name: 'revoked with its revocationTime',
    response: () => respond({ status: 'revoked', revocationTime: at(-48 * HOUR) }),
    expect: { certStatus: 'revoked', revocationTime: at(-48 * HOUR).toISOString(), error: null },
  },
  {
    name: 'unknown',
    response: () => respond({ status: 'unknown' }),
    expect: { certStatus: 'unknown', signatureValid: true, error: null },
  },
  {
    name: 'expired: nextUpdate a day ago',
    response: () => respond({ thisUpdate: at(-72 * HOUR), nextUpdate: at(-24 * HOUR) }),
    expect: { certStatus: 'good', ageSeconds: 259200, secondsLeft: -86400, signatureValid: true },
  },
  {
    name: 'not yet valid: thisUpdate in an hour',
    response: () => respond({ thisUpdate: at(HOUR), nextUpdate: at(25 * HOUR) }),
    expect: { ageSeconds: -3600, secondsLeft: 90000, signatureValid: true },
  },
  {
    name: 'no nextUpdate',
    response: () => respond({ nextUpdate: null }),
    expect: { nextUpdate: null, secondsLeft: null, ageSeconds: 3600 },
  },
  {
    name: 'for another certificate of the same issuer',
    response: () => respond({ leaf: pki.otherLeaf }),
    expect: { certStatus: 'good', certIdMatches: false, signatureValid: true },
  },
  {
    name: 'for another serial',
    response: () => respond({ certIdFor: { serialNumber: '0badc0de' } }),
    expect: { certIdMatches: false },
  },
  {
    name: 'CertID hashed with SHA-256',
    response: () => respond({ certIdFor: { hashAlgorithm: 'sha256' } }),
    expect: { certIdMatches: true, signatureValid: true },
  },
  {
    name: 'several SingleResponses: the leaf one is picked',
    response: () => respond({ status: 'revoked', alsoFor: [pki.otherLeaf] }),
    expect: { certStatus: 'revoked', certIdMatches: true },
  },
  {
    name: 'ResponderID says issuer, signed by a wrong key',
    response: () => respond({ signer: pki.otherLeaf, responderIdFrom: pki.intermediate }),
    expect: { signer: 'issuer', signatureValid: false, certIdMatches: true },
  },
  {
    name: 'signed by an unknown key, no certificate sent',
    response: () => respond({ signer: pki.otherRoot, includeSignerCert: false }),
    expect: { signer: 'unknown', signatureValid: false, delegationValid: null },
  },
  {
    name: 'delegated responder, valid',
    response: () => respond({ signer: pki.ocspResponder }),
    expect: { ...FRESH_GOOD, signer: 'delegated', delegationValid: true },
  },
  {
    name: 'rogue delegated responder from another CA',
    response: () => respond({ signer: pki.rogueResponder }),
    expect: { signer: 'delegated', delegationValid: false, signatureValid: true },
  },
  {
    name: 'delegated responder without EKU OCSPSigning',
    response: () => respond({ signer: pki.otherLeaf }),
    expect: { signer: 'delegated', delegationValid: false, signatureValid: true },
  },
  {
    name: 'issuer not sent by the server: issuer named, nothing to verify with',
    response: () => respond({ responderId: 'name' }),
    issuer: () => null,
    expect: { certStatus: 'good', signer: 'issuer', signatureValid: null, certIdMatches: null },
  },
  {
    name: 'tryLater error response',
    response: () => buildErrorOcspResponse('tryLater'),
    expect: { certStatus: null, signer: null, error: 'responseStatus tryLater' },
  },
  {
    name: 'unauthorized error response',
    response: () => buildErrorOcspResponse('unauthorized'),
    expect: { error: 'responseStatus unauthorized' },
  },
];

describe('verifyOcspResponse', () => {
  for (const row of rows) {
    it(row.name, () => {
      const issuer = row.issuer ? row.issuer() : pki.intermediate.certDer;
      const verdict = verifyOcspResponse(row.response(), pki.leaf.certDer, issuer, NOW);
      const seen = Object.fromEntries(
        Object.keys(row.expect).map((k) => [k, verdict[k as keyof OcspVerdict]]),
      );
      assert.deepEqual(seen, row.expect);
    });
  }

  for (const [name, bytes] of [
    ['garbage bytes', () => Buffer.from('this is not DER at all')],
    ['empty input', () => Buffer.alloc(0)],
    ['truncated DER', () => respond().subarray(0, 100)],
    ['a certificate instead of a response', () => pki.leaf.certDer],
  ] as const) {
    it(`${name}: error set, everything else null`, () => {
      const verdict = verifyOcspResponse(bytes(), pki.leaf.certDer, pki.intermediate.certDer, NOW);
      assert.match(verdict.error ?? '', /^malformed OCSP response: /);
      assert.deepEqual(
        Object.values({ ...verdict, error: null }).filter((v) => v !== null),
        [],
      );
    });
  }

  it('verifies RSA PKCS#1 v1.5 and RSA-PSS signatures', async () => {
    const rsaCa = await issueCertificate({
      commonName: 'rsa intermediate',
      keyType: 'rsa',
      isCA: true,
      issuer: pki.root,
    });
    const leaf = await issueCertificate({ commonName: 'rsa leaf', issuer: rsaCa });
    const der = buildOcspResponse({ leaf, issuer: rsaCa, signer: rsaCa });
    const check = (d: Buffer) => verifyOcspResponse(d, leaf.certDer, rsaCa.certDer).signatureValid;
    assert.equal(check(der), true);
    assert.equal(check(resignWithPss(der, rsaCa)), true);
    assert.equal(check(resignWithPss(der, pki.intermediate, true)), false);
  });
});

/** SEQUENCE { [0] sha256, [1] mgf1(sha256), [2] saltLength 32 } (RFC 4055 section 3.1). */
const PSS_SHA256_PARAMS = Buffer.from(
  '3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d0609608648016503040201' +
    '0500a203020120',
  'hex',
);

/** The same response re-signed with RSASSA-PSS (or with garbage when `bogus`). */
function resignWithPss(der: Buffer, signer: IssuedCert, bogus = false): Buffer {
  const outer = AsnConvert.parse(der, OCSPResponse);
  const basic = AsnConvert.parse(outer.responseBytes!.response.buffer, BasicOCSPResponse);
  const tbs = Buffer.from(AsnConvert.serialize(basic.tbsResponseData));
  basic.signatureAlgorithm = new AlgorithmIdentifier({
    algorithm: '1.2.840.113549.1.1.10',
    parameters: new Uint8Array(PSS_SHA256_PARAMS).buffer,
  });
  const key = crypto.KeyObject.from(signer.keys.privateKey);
  const signature = bogus
    ? crypto.randomBytes(256)
    : crypto.sign('sha256', tbs, {
        key,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
  basic.signature = new Uint8Array(signature).buffer;
  outer.responseBytes!.response = new OctetString(AsnConvert.serialize(basic));
  return Buffer.from(AsnConvert.serialize(outer));
}

describe('verifyOcspResponse on hostile input (property)', () => {
  const leafDer = () => pki.leaf.certDer;
  const issuerDer = () => pki.intermediate.certDer;

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 800 }), (bytes) => {
        const verdict = verifyOcspResponse(Buffer.from(bytes), leafDer(), issuerDer(), NOW);
        assert.equal(Object.keys(verdict).length, 12);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated responses, and never trusts a changed tbsResponseData', () => {
    const good = respond({ signer: pki.ocspResponder });
    const basic = AsnConvert.parse(
      AsnConvert.parse(good, OCSPResponse).responseBytes!.response.buffer,
      BasicOCSPResponse,
    );
    const tbs = Buffer.from(AsnConvert.serialize(basic.tbsResponseData));
    const from = good.indexOf(tbs); // where the signed bytes sit in the whole response
    assert.ok(from > 0);
    fc.assert(
      fc.property(
        fc.nat({ max: good.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.nat({ max: good.length }),
        (index, xor, cut) => {
          const mutated = Buffer.from(good);
          mutated[index] = mutated[index]! ^ xor;
          for (const input of [mutated, mutated.subarray(0, cut)]) {
            const verdict = verifyOcspResponse(input, leafDer(), issuerDer(), NOW);
            if (input === mutated && index >= from && index < from + tbs.length) {
              assert.notEqual(verdict.signatureValid, true);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('OpenSSL agrees with the builder (openssl ocsp -respin)', () => {
  let dir: string;
  let files: Record<string, string>;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tlsflight-ocsp-'));
    files = await writeLabPki(pki, dir);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  /** openssl ocsp's verdict on a response file: status line, verify result. */
  async function openssl(name: string, der: Buffer): Promise<string> {
    const file = path.join(dir, `${name}.der`);
    await fs.writeFile(file, der);
    const args = ['ocsp', '-respin', file, '-issuer', files.intermediate!, '-cert', files.leaf!];
    const res = await run('openssl', [...args, '-CAfile', files.ca!, '-no_nonce']).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    return `${res.stdout}${res.stderr}`.replaceAll(files.leaf!, 'leaf');
  }

  it('reads the good response as good and verified', async () => {
    const out = await openssl('good', respond({ thisUpdate: NOW, nextUpdate: at(HOUR) }));
    assert.match(out, /Response verify OK/);
    assert.match(out, /^leaf: good$/m);
  });

  it('reads the revoked response as revoked', async () => {
    const out = await openssl('revoked', respond({ status: 'revoked', thisUpdate: NOW }));
    assert.match(out, /Response verify OK/);
    assert.match(out, /^leaf: revoked$/m);
  });

  it('accepts the delegated responder and refuses the rogue one', async () => {
    assert.match(await openssl('delegated', respond({ signer: pki.ocspResponder })), /verify OK/);
    const rogue = await openssl('rogue', respond({ signer: pki.rogueResponder }));
    assert.match(rogue, /Response Verify Failure/);
  });

  it('flags the expired response (whole-second times)', async () => {
    const out = await openssl(
      'expired',
      respond({ thisUpdate: at(-2 * HOUR), nextUpdate: at(-HOUR) }),
    );
    assert.match(out, /Status times invalid/);
  });
});
