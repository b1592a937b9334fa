/**
 * The OCSP stapling part of the report against real servers: Node (OCSPRequest, TLS 1.3 and
 * 1.2), openssl s_server -status_file and nginx ssl_stapling_file. The trap: a staple that is
 * expired, for another certificate or badly signed is stapled all the same; it is never 'good'.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import type tls from 'node:tls';
import { buildOcspResponse, type OcspResponseOptions } from '../src/pki/ocsp-response.js';
import { type IssuedCert, wholeSeconds } from '../src/pki/pki.js';
import type { Report, Severity, StaplingInfo } from '../src/report/model.js';
import { filePki, findingIds, probeLocal, startHttpsServer } from './support/fixtures.js';
import { startNginx } from './support/nginx.js';
import { startOpenSslServer } from './support/openssl-server.js';

const OCSP_URL = 'http://ocsp.tlsflight.test/';
const HOUR = 3600_000;
const NOW = wholeSeconds(new Date());
const at = (ms: number) => new Date(NOW.getTime() + ms);
const NGINX_INSTALLED = existsSync('/usr/sbin/nginx');

const fx = await filePki(OCSP_URL);

/** A response about the lab leaf, signed by the intermediate, valid NOW-1h .. NOW+23h. */
function respond(extra: Partial<OcspResponseOptions> = {}): Buffer {
  const { pki } = fx;
  return buildOcspResponse({
    leaf: pki.leaf,
    issuer: pki.intermediate,
    signer: pki.intermediate,
    thisUpdate: at(-HOUR),
    nextUpdate: at(23 * HOUR),
    producedAt: at(-HOUR),
    ...extra,
  });
}

interface Row {
  name: string;
  staple: () => Buffer;
  state: StaplingInfo['state'];
  finding: [id: string, severity: Severity];
  expect: Partial<StaplingInfo>;
  /** What the finding's title says, when it matters. */
  title?: RegExp;
}

const rows: Row[] = [
  {
    name: 'good, signed by the issuer',
    staple: () => respond(),
    state: 'good',
    finding: ['stapling.good', 'ok'],
    title: /signed by the issuer, 2[23] h left/,
    expect: {
      certStatus: 'good',
      signer: 'issuer',
      delegationValid: null,
      signatureValid: true,
      certIdMatches: true,
      thisUpdate: at(-HOUR).toISOString(),
      nextUpdate: at(23 * HOUR).toISOString(),
      producedAt: at(-HOUR).toISOString(),
      revocationTime: null,
      error: null,
    },
  },
  {
    name: 'good, signed by a delegated responder',
    staple: () => respond({ signer: fx.pki.ocspResponder }),
    state: 'good',
    finding: ['stapling.good', 'ok'],
    title: /signed by a delegated responder/,
    expect: { signer: 'delegated', delegationValid: true, signatureValid: true },
  },
  {
    name: 'revoked',
    staple: () => respond({ status: 'revoked', revocationTime: at(-2 * HOUR) }),
    state: 'revoked',
    finding: ['stapling.revoked', 'fail'],
    expect: { certStatus: 'revoked', revocationTime: at(-2 * HOUR).toISOString() },
  },
  {
    name: 'unknown',
    staple: () => respond({ status: 'unknown' }),
    state: 'unknown',
    finding: ['stapling.unknown', 'warn'],
    expect: { certStatus: 'unknown' },
  },
  {
    name: 'expired (nextUpdate a day ago)',
    staple: () =>
      respond({
        thisUpdate: at(-48 * HOUR),
        nextUpdate: at(-24 * HOUR),
        producedAt: at(-48 * HOUR),
      }),
    state: 'invalid',
    finding: ['stapling.expired', 'fail'],
    // certStatus good inside: exactly what openssl s_client prints without complaint.
    expect: { certStatus: 'good', signatureValid: true, certIdMatches: true },
  },
  {
    name: 'not yet valid (thisUpdate in two hours)',
    staple: () => respond({ thisUpdate: at(2 * HOUR), nextUpdate: at(26 * HOUR) }),
    state: 'invalid',
    finding: ['stapling.not-yet-valid', 'fail'],
    expect: { certStatus: 'good' },
  },
  {
    name: 'for another certificate',
    staple: () => respond({ leaf: fx.pki.otherLeaf }),
    state: 'invalid',
    finding: ['stapling.wrong-certificate', 'fail'],
    expect: { certStatus: 'good', certIdMatches: false, signatureValid: true },
  },
  {
    name: 'signed by a wrong key under the issuer name',
    staple: () => respond({ signer: fx.pki.otherRoot, responderIdFrom: fx.pki.intermediate }),
    state: 'invalid',
    finding: ['stapling.bad-signature', 'fail'],
    expect: { signer: 'issuer', signatureValid: false },
  },
  {
    name: 'signed by a rogue responder (OCSPSigning from an unrelated CA)',
    staple: () => respond({ signer: fx.pki.rogueResponder }),
    state: 'invalid',
    finding: ['stapling.bad-delegation', 'fail'],
    expect: { signer: 'delegated', delegationValid: false, signatureValid: true },
  },
];

const staplingIds = (r: Report) => findingIds(r).filter((id) => id.startsWith('stapling.'));

/** The values a user reads for one row, whoever served the staple. */
function assertRow(report: Report, row: Row, der: Buffer): void {
  const s = report.stapling!;
  const [id, severity] = row.finding;

  assert.equal(s.requested, true);
  assert.equal(s.received, true);
  assert.equal(s.bytes, der.length);
  assert.equal(s.responderUrl, OCSP_URL);
  assert.equal(s.state, row.state);
  assert.deepEqual({ ...s, ...row.expect }, s);
  assert.deepEqual(staplingIds(report), [id]);
  const f = report.findings.find((x) => x.id === id);
  assert.equal(f?.severity, severity);
  if (row.title) assert.match(f?.title ?? '', row.title);
  // Age and time left are read against the probe's clock (a few seconds of slack).
  const now = Date.parse(report.startedAt);
  assert.ok(Math.abs(s.ageSeconds! - (now - Date.parse(s.thisUpdate!)) / 1000) < 5);
  assert.ok(Math.abs(s.secondsLeft! - (Date.parse(s.nextUpdate!) - now) / 1000) < 5);
}

/** Starts a server stapling `der` (written to a file first for openssl and nginx). */
interface StaplingServer {
  name: string;
  needsNginx?: boolean;
  start(t: TestContext, der: Buffer): Promise<number>;
}

async function nodeServer(
  t: TestContext,
  staple: Buffer | null | undefined,
  leaf: IssuedCert,
  extra: tls.TlsOptions = {},
): Promise<number> {
  const cert = leaf.certPem + fx.pki.intermediate.certPem;
  return (await startHttpsServer(t, { cert, key: leaf.keyPem, staple, ...extra })).port;
}

/** Writes `der` into the fixture folder, named after its last (signature) bytes. */
async function stapleFile(der: Buffer): Promise<string> {
  const file = path.join(fx.dir, `staple-${der.toString('hex', der.length - 8)}.der`);
  await writeFile(file, der);
  return file;
}

const SERVERS: StaplingServer[] = [
  {
    name: 'Node TLS 1.3 (OCSPRequest)',
    start: (t, der) => nodeServer(t, der, fx.pki.leaf),
  },
  {
    name: 'Node TLS 1.2 (OCSPRequest)',
    start: (t, der) => nodeServer(t, der, fx.pki.leaf, { maxVersion: 'TLSv1.2' }),
  },
  {
    name: 'openssl s_server -status_file',
    start: async (t, der) => {
      const f = fx.files;
      const args = ['-cert', f.leaf!, '-key', f.leafKey!, '-cert_chain', f.intermediate!];
      const server = await startOpenSslServer([
        ...args,
        '-www',
        '-status_file',
        await stapleFile(der),
      ]);
      t.after(() => server.close());
      return server.port;
    },
  },
  {
    name: 'nginx ssl_stapling_file',
    needsNginx: true,
    start: async (t, der) => {
      const f = fx.files;
      const staplingFile = await stapleFile(der);
      const nginx = await startNginx({
        cert: f.leaf!,
        key: f.leafKey!,
        chain: f.intermediate!,
        staplingFile,
      });
      t.after(() => nginx.close());
      return nginx.port;
    },
  },
];

for (const server of SERVERS) {
  describe(`stapled by ${server.name}`, () => {
    for (const row of rows) {
      test(`${row.name}: state ${row.state}, ${row.finding[0]}`, async (t) => {
        if (server.needsNginx && !NGINX_INSTALLED) return t.skip('nginx not installed');
        const der = row.staple();
        const report = await probeLocal(await server.start(t, der), fx, { resumption: false });

        assertRow(report, row, der);
        if (row.state !== 'good') assert.notEqual(report.stapling!.state, 'good');
      });
    }
  });
}

describe('where the staple rides', () => {
  test('TLS 1.3: in the leaf entry of the Certificate message', async (t) => {
    const der = respond();
    const report = await probeLocal(await nodeServer(t, der, fx.pki.leaf), fx, {
      resumption: false,
    });
    const [leaf, intermediate] = report.chain!.certificates;
    // RFC 8446 §4.4.2.1: status_request extension = type(2) + length(2) + status_type(1)
    // + response length(3) + response, inside the leaf entry's extensions (length 2).
    const leafEntry = 3 + leaf!.bytes + 2 + (2 + 2 + 1 + 3 + der.length);

    assert.equal(
      report.chain!.certificateMessageBytes,
      4 + 1 + 3 + leafEntry + 3 + intermediate!.bytes + 2,
    );
    assert.ok(!report.handshake!.messages.some((m) => m.type === 'CertificateStatus'));
  });

  test('TLS 1.2: in a CertificateStatus message right after Certificate', async (t) => {
    const der = respond();
    const port = await nodeServer(t, der, fx.pki.leaf, { maxVersion: 'TLSv1.2' });
    const report = await probeLocal(port, fx, { resumption: false });
    const server = report.handshake!.messages.filter((m) => m.from === 'server').map((m) => m.type);
    const status = report.handshake!.messages.find((m) => m.type === 'CertificateStatus');

    assert.deepEqual(server.slice(0, 4), [
      'ServerHello',
      'Certificate',
      'CertificateStatus',
      'ServerKeyExchange',
    ]);
    // RFC 6066 §8: header(4) + status_type(1) + length(3) + response.
    assert.equal(status?.bytes, 4 + 1 + 3 + der.length);
  });
});

describe('no staple', () => {
  test('absent although the leaf names an OCSP responder: stapling.missing warn', async (t) => {
    const report = await probeLocal(await nodeServer(t, null, fx.pki.leaf), fx, {
      resumption: false,
    });
    const missing = report.findings.find((f) => f.id === 'stapling.missing');

    assert.equal(report.stapling!.state, 'missing');
    assert.equal(report.stapling!.requested, true);
    assert.equal(report.stapling!.received, false);
    assert.equal(missing?.severity, 'warn');
    assert.equal(missing?.detail?.responder, OCSP_URL);
    assert.deepEqual(staplingIds(report), ['stapling.missing']);
  });

  test('absent from nginx without ssl_stapling: stapling.missing warn', async (t) => {
    if (!NGINX_INSTALLED) return t.skip('nginx not installed');
    const f = fx.files;
    const nginx = await startNginx({ cert: f.leaf!, key: f.leafKey!, chain: f.intermediate! });
    t.after(() => nginx.close());

    const report = await probeLocal(nginx.port, fx, { resumption: false });

    assert.equal(report.stapling!.state, 'missing');
    assert.deepEqual(staplingIds(report), ['stapling.missing']);
  });

  test('a leaf without OCSP URL: stapling.not-applicable info', async (t) => {
    const report = await probeLocal(await nodeServer(t, null, fx.pki.noOcspLeaf), fx, {
      resumption: false,
    });

    assert.deepEqual(report.chain!.certificates[0]!.ocspUrls, []);
    assert.equal(report.stapling!.state, 'not-applicable');
    assert.equal(report.stapling!.responderUrl, null);
    assert.equal(report.findings.find((f) => f.id === 'stapling.not-applicable')?.severity, 'info');
    assert.deepEqual(staplingIds(report), ['stapling.not-applicable']);
  });

  test('a must-staple leaf without a staple: stapling.must-staple-missing fail', async (t) => {
    const port = await nodeServer(t, null, fx.pki.mustStapleLeaf);
    const report = await probeLocal(port, fx, { resumption: false });
    const f = report.findings.find((x) => x.id === 'stapling.must-staple-missing');

    assert.equal(report.chain!.certificates[0]!.mustStaple, true);
    assert.equal(report.stapling!.received, false);
    assert.equal(f?.severity, 'fail');
    assert.deepEqual(staplingIds(report), ['stapling.must-staple-missing']);
  });

  test('--no-ocsp: not requested, so none was asked for or reported', async (t) => {
    let asked = 0;
    const server = await startHttpsServer(t, {
      cert: fx.pki.leaf.certPem + fx.pki.intermediate.certPem,
      key: fx.pki.leaf.keyPem,
    });
    server.server.on('OCSPRequest', (_cert, _issuer, cb) => {
      asked++;
      cb(null, respond());
    });

    const report = await probeLocal(server.port, fx, { resumption: false, requestOcsp: false });

    assert.equal(asked, 0);
    assert.equal(report.stapling!.requested, false);
    assert.equal(report.stapling!.received, false);
    assert.equal(report.stapling!.state, 'not-requested');
    assert.deepEqual(staplingIds(report), []);
  });
});

describe('a staple the probe cannot check is never good', () => {
  for (const responderId of ['key', 'name'] as const) {
    test(`leaf sent without its issuer, ResponderID by ${responderId}`, async (t) => {
      const staple = respond({ responderId });
      const server = await startHttpsServer(t, {
        cert: fx.pki.leaf.certPem,
        key: fx.pki.leaf.keyPem,
        staple,
      });
      const report = await probeLocal(server.port, fx, { resumption: false });

      assert.equal(report.stapling!.received, true);
      assert.equal(report.stapling!.signatureValid, null);
      assert.equal(report.stapling!.state, 'invalid');
      assert.deepEqual(staplingIds(report), ['stapling.unverifiable']);
    });
  }
});
