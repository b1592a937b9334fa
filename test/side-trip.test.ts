/**
 * The OCSP side trip (`--ocsp-fetch`): against the lab's responder behind a 100 ms delay it is
 * measured and verified; against the silent responder it ends at its time limit with the
 * right finding; revoked, unusable and unreachable answers are findings too. Every responder
 * here is the lab's or the test's own, on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { type Lab, startLab } from '../src/lab/lab.js';
import { startOcspResponder } from '../src/lab/ocsp-responder.js';
import { createLabPki, type LabPki } from '../src/pki/pki.js';
import { type ProbeOptions, probeOptions, runProbe } from '../src/probe.js';
import { probeOcspSideTrip } from '../src/probes/ocsp-side-trip.js';
import { prepareSetup } from '../src/probes/setup.js';
import { systemResolver } from '../src/probes/target.js';
import type { Report } from '../src/report/model.js';

const RTT = 100;

let lab: Lab;
before(async () => {
  lab = await startLab({ rttMs: RTT, only: ['healthy', 'no-staple', 'ocsp-silent'] });
});
after(() => lab?.close());

async function probe(name: string, overrides: Partial<ProbeOptions> = {}): Promise<Report> {
  const e = lab.endpoint(name);
  const setup = prepareSetup({ caFiles: [lab.files.ca!], credentials: [] });
  const options = probeOptions(
    { host: e.sni, port: e.port },
    { connectTo: e.host, alpn: ['http/1.1'], resumption: false, ocspFetch: true, ...overrides },
  );
  return runProbe(options, setup);
}

const ids = (r: Report) => r.findings.map((f) => f.id);

describe('side trip through the lab at an emulated RTT of 100 ms', () => {
  test('without a staple the side trip is measured and its answer verified', async (t) => {
    const report = await probe('no-staple', { whatIfRtts: [RTT, 300] });
    const trip = report.ocspSideTrip!;
    t.diagnostic(`side trip ${trip.ms} ms: ${JSON.stringify(trip.phases)}`);
    assert.equal(trip.url, lab.ocsp.url);
    assert.deepEqual([trip.certStatus, trip.signatureValid, trip.error], ['good', true, null]);
    assert.ok(ids(report).includes('side-trip.cost'));
    // The userland delay cannot slow TCP's handshake: the POST and its answer are the one RTT.
    const response = trip.phases.response! / RTT;
    assert.ok(Math.abs(response - 1) <= 0.2, `response phase ${response.toFixed(2)} RTT`);
    assert.ok(trip.phases.connect! / RTT < 0.2, 'connect is answered locally');

    const schema = JSON.parse(
      readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8'),
    );
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    assert.equal(
      validate(JSON.parse(JSON.stringify(report))),
      true,
      JSON.stringify(validate.errors),
    );
  });

  test('a silent responder ends the side trip at its limit with a finding', async () => {
    const limitMs = 800;
    const report = await probe('ocsp-silent', { timeoutMs: limitMs });
    const trip = report.ocspSideTrip!;
    assert.ok(ids(report).includes('side-trip.silent'));
    assert.match(trip.error ?? '', /^responder silent after \d+ ms$/);
    assert.equal(trip.certStatus, null);
    assert.ok(trip.ms! >= limitMs - 1 && trip.ms! < 2 * limitMs, `ended after ${trip.ms} ms`);
  });

  test('with a staple there is no side trip to make', async () => {
    const report = await probe('healthy');
    assert.equal(report.stapling?.state, 'good');
    assert.equal(report.ocspSideTrip, null);
  });

  test('without --ocsp-fetch the responder is not contacted', async () => {
    const report = await probe('no-staple', { ocspFetch: false });
    assert.equal(report.ocspSideTrip, null);
    assert.ok(ids(report).includes('stapling.missing'));
  });
});

describe('side trip verdicts', () => {
  let pki: LabPki;
  before(async () => {
    pki = await createLabPki();
  });

  const trip = (url: string, limitMs = 2000, resolver = systemResolver) =>
    probeOcspSideTrip({
      url,
      leafDer: pki.leaf.certDer,
      issuerDer: pki.intermediate.certDer,
      limitMs,
      resolver,
      clock: () => performance.now(),
      now: () => new Date(),
    });

  test('a revoked answer is a failure', async (t) => {
    const responder = await startOcspResponder({ pki, statusFor: () => 'revoked' });
    t.after(() => responder.close());
    const result = await trip(responder.url);
    assert.equal(result.ocspSideTrip.certStatus, 'revoked');
    assert.deepEqual(
      result.findings.map((f) => [f.id, f.severity]),
      [['side-trip.revoked', 'fail']],
    );
  });

  test('an answer signed by the wrong key is unusable', async (t) => {
    const responseOptions = { includeSignerCert: false };
    const responder = await startOcspResponder({ pki, signer: pki.otherRoot, responseOptions });
    t.after(() => responder.close());
    const result = await trip(responder.url);
    assert.equal(result.ocspSideTrip.signatureValid, false);
    assert.equal(result.findings[0]?.id, 'side-trip.invalid');
    assert.match(result.findings[0]?.title ?? '', /signature does not verify/);
  });

  test('a refused connection is "responder unreachable"', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const result = await trip(`http://127.0.0.1:${port}/`);
    assert.equal(result.findings[0]?.id, 'side-trip.unreachable');
    assert.match(result.ocspSideTrip.error ?? '', /responder unreachable: .*ECONNREFUSED/);
  });

  // The resolver is replaced: these names never reach a real DNS server.
  test('a name that does not resolve is "responder unreachable"', async () => {
    const failing = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const result = await trip('http://ocsp.lab.tlsflight.test/', 2000, failing);
    assert.equal(result.findings[0]?.id, 'side-trip.unreachable');
    assert.match(result.ocspSideTrip.error ?? '', /cannot resolve ocsp\.lab\.tlsflight\.test/);
  });

  test('a resolver that never answers ends at the limit', async () => {
    const never = () => new Promise<string[]>(() => {});
    const result = await trip('http://ocsp.lab.tlsflight.test/', 300, never);
    assert.match(
      result.ocspSideTrip.error ?? '',
      /no DNS answer for ocsp\.lab\.tlsflight\.test after 300 ms/,
    );
  });

  test('a responder URL that is not http:// is skipped, not fetched', async () => {
    const result = await trip('ldap://127.0.0.1/ocsp');
    assert.equal(result.findings[0]?.id, 'side-trip.skipped');
    assert.equal(result.ocspSideTrip.ms, null);
  });
});
