/**
 * Hostile and broken servers, each a real socket on 127.0.0.1:0. Every probe runs in a child
 * process: it must print the right finding or connectionError within its timeout (+10%, plus a
 * small allowance: a bound on hanging, not a speed test), with no unhandled rejection, and then
 * exit on its own, which it cannot do while a socket or a timer of the probe is still alive.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';
import { buildErrorOcspResponse } from '../src/pki/ocsp-response.js';
import { generateKeys, issueWithKeys } from '../src/pki/pki.js';
import {
  goodStaple,
  type PkiFixture,
  pkiFixture,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';
import {
  alertServer,
  everyUntilClosed,
  type HostileServer,
  h2Server,
  relayServer,
  replyServer,
  resetServer,
  silentServer,
  ticketRewrite,
  tlsRecord,
} from './support/hostile-servers.js';
import { startOpenSslServer } from './support/openssl-server.js';
import type { ChildPlan, ChildResult } from './support/probe-child.js';

const TIMEOUT_MS = 1500;
/**
 * Time beyond the probe's own timeout a case may take: the resumption probe's second handshake
 * and its bounded ticket wait (>= 200 ms) come after a phase that timed out, plus scheduling.
 */
const ALLOWANCE_MS = 1000;
/** A child that printed its result and still runs this long is holding a socket or a timer. */
const EXIT_GRACE_MS = 1000;
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'probe-child.js');

interface ChildRun {
  result: ChildResult;
  unhandled: string[];
  code: number | null;
  /** ms between the result line and the child's exit. */
  exitDelayMs: number;
}

/** Runs one probe in a child and waits (bounded) for it to print and exit. */
function probeInChild(plan: ChildPlan): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(plan)], { stdio: 'pipe' });
  const hardStop = setTimeout(() => child.kill('SIGKILL'), plan.timeoutMs * 4 + 10_000);
  let stdout = '';
  let stderr = '';
  let printedAt: number | null = null;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    printedAt ??= performance.now();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(hardStop);
      const lines = stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const result = lines.find((l) => 'elapsedMs' in l);
      if (!result || signal) {
        reject(new Error(`child ended (${code ?? signal}) without a result: ${stdout}${stderr}`));
        return;
      }
      const unhandled = lines.filter((l) => 'unhandled' in l).map((l) => l.unhandled as string);
      const exitDelayMs = performance.now() - (printedAt ?? performance.now());
      resolve({ result, unhandled, code, exitDelayMs });
    });
  });
}

/** The assertions every case shares: on time, no crash, no unhandled rejection, no leak. */
function assertWellBehaved(run: ChildRun, timeoutMs: number): ChildResult {
  const r = run.result;
  assert.equal(r.error, null, `the probe threw: ${r.error}`);
  assert.deepEqual(run.unhandled, [], 'unhandled rejections');
  assert.equal(run.code, 0);
  assert.ok(r.elapsedMs <= timeoutMs * 1.1 + ALLOWANCE_MS, `took ${Math.round(r.elapsedMs)} ms`);
  assert.ok(run.exitDelayMs < EXIT_GRACE_MS, `exited ${Math.round(run.exitDelayMs)} ms late`);
  return r;
}

describe('hostile and broken servers', () => {
  let fx: PkiFixture;
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    fx = await pkiFixture({ after: (fn) => void cleanups.push(fn as () => Promise<void>) });
  });
  after(() => Promise.all(cleanups.map((fn) => fn())));

  /** Probes `server` in a child with the shared checks; returns what the report said. */
  async function probe(server: { port: number }, plan: Partial<ChildPlan> = {}) {
    const timeoutMs = plan.timeoutMs ?? TIMEOUT_MS;
    const run = await probeInChild({ port: server.port, ca: fx.files.ca!, timeoutMs, ...plan });
    return assertWellBehaved(run, timeoutMs);
  }

  /** Starts a hostile server that the test closes. */
  async function hostile(
    t: { after: (fn: () => Promise<void>) => void },
    s: Promise<HostileServer>,
  ) {
    const server = await s;
    t.after(() => server.close());
    return server;
  }

  test('a server that accepts and says nothing is a handshake timeout', async (t) => {
    const server = await hostile(t, silentServer());
    const r = await probe(server);
    assert.match(r.connectionError ?? '', /handshake not finished after 1500 ms/);
    assert.deepEqual(r.findings, ['connection.failed']);
  });

  test('garbage instead of a ServerHello is "does not speak TLS"', async (t) => {
    const server = await hostile(
      t,
      replyServer(Buffer.from('\xff\xfe\x00 hello? garbage', 'latin1')),
    );
    const r = await probe(server);
    assert.match(r.connectionError ?? '', /does not speak TLS: server answered with non-TLS bytes/);
  });

  test('a TLS record holding a garbage ServerHello is a failed handshake', async (t) => {
    const hello = Buffer.concat([Buffer.from([2, 0, 0, 60]), Buffer.alloc(60, 0xab)]);
    const server = await hostile(t, replyServer(tlsRecord(22, hello)));
    const r = await probe(server);
    assert.equal(r.connectionError, null);
    assert.ok(r.findings.includes('handshake.failed'), r.findings.join());
    assert.ok(r.alerts.includes('client:decode_error'), r.alerts.join());
  });

  test('a server that stops halfway through the handshake and closes', async (t) => {
    const upstream = await startHttpsServer(t, serverIdentity(fx.pki));
    const server = await hostile(t, relayServer(upstream.port, { cutAfter: 200, thenClose: true }));
    const r = await probe(server);
    assert.ok(r.findings.includes('handshake.failed'), r.findings.join());
    assert.match(r.handshakeError ?? '', /disconnected|closed/);
    assert.ok(r.messages.includes('server:ServerHello:122'), r.messages.join());
  });

  test('a server that stops halfway through the handshake and holds the connection', async (t) => {
    const upstream = await startHttpsServer(t, serverIdentity(fx.pki));
    const server = await hostile(t, relayServer(upstream.port, { cutAfter: 200 }));
    const r = await probe(server);
    assert.ok(r.findings.includes('handshake.failed'), r.findings.join());
    assert.match(r.handshakeError ?? '', /handshake not finished after 1500 ms/);
  });

  test('a server that trickles its handshake one byte a second times out', async (t) => {
    const upstream = await startHttpsServer(t, serverIdentity(fx.pki));
    const server = await hostile(t, relayServer(upstream.port, { trickleMs: 1000 }));
    const r = await probe(server);
    assert.match(r.connectionError ?? '', /handshake not finished after 1500 ms/);
  });

  test(
    'a server that trickles its response body ' + 'one byte a second is cut at the deadline',
    async (t) => {
      const upstream = await startHttpsServer(t, {
        ...serverIdentity(fx.pki),
        handler: (_req, res) => {
          res.writeHead(200, { 'content-length': '1000' });
          everyUntilClosed(res, 1000, () => res.write('x'));
        },
      });
      const r = await probe(upstream);
      assert.equal(r.httpStatus, 200);
      assert.match(r.httpError ?? '', /response did not end within \d+ ms/);
    },
  );

  test('a chain over 100 KB that OpenSSL still accepts is reported with its bytes', async (t) => {
    const server = await startHttpsServer(t, await bigChain(fx, 3620));
    const r = await probe(server);
    assert.ok((r.certificateMessageBytes ?? 0) > 100_000, `${r.certificateMessageBytes} bytes`);
    assert.equal(r.certificates, 2);
    assert.ok(!r.findings.includes('handshake.failed'));
  });

  for (const tls of ['1.3', '1.2'] as const) {
    test(
      `a 160 KB chain fails the handshake and its Certificate size is reported (TLS ` + `${tls})`,
      async (t) => {
        const server = await startHttpsServer(t, await bigChain(fx, 5800));
        const r = await probe(server, { tls });
        assert.ok(r.findings.includes('handshake.failed'), r.findings.join());
        assert.match(r.handshakeError ?? '', /excessive message size/);
        const cert = r.messages.find((m) => m.startsWith('server:Certificate:'));
        assert.ok(Number(cert?.split(':')[2]) > 160_000, r.messages.join());
      },
    );
  }

  for (const [name, oid] of [
    ['subjectAltName', '2.5.29.17'],
    ['authorityInfoAccess', '1.3.6.1.5.5.7.1.1'],
  ]) {
    test(`a leaf with a malformed ${name} extension is a finding, not a crash`, async (t) => {
      const server = await startHttpsServer(t, await malformedExtensionLeaf(fx, oid!));
      const r = await probe(server);
      assert.ok(r.findings.includes('chain.malformed-certificate'), r.findings.join(', '));
    });
  }

  test('malformed OCSP staples are stapling.malformed, never "stapling OK"', async (t) => {
    const good = goodStaple(fx.pki);
    const blobs = {
      junk: Buffer.from('this is not an OCSP response'),
      truncated: good.subarray(0, good.length - 40),
      certificate: fx.pki.leaf.certDer,
      'successful without responseBytes': Buffer.from('30030a0100', 'hex'),
      tryLater: buildErrorOcspResponse('tryLater'),
    };
    for (const [name, staple] of Object.entries(blobs)) {
      const server = await startHttpsServer(t, { ...serverIdentity(fx.pki), staple });
      const r = await probe(server);
      assert.equal(r.staplingState, 'invalid', name);
      assert.ok(r.findings.includes('stapling.malformed'), `${name}: ${r.findings.join()}`);
    }
  });

  test('malformed TLS 1.2 NewSessionTickets fail the handshake cleanly', async (t) => {
    const upstream = await startHttpsServer(t, {
      ...serverIdentity(fx.pki),
      maxVersion: 'TLSv1.2',
    });
    const bodies = {
      truncated: Buffer.from([0, 0]),
      'ticket longer than the message': Buffer.from([0, 0, 0, 5, 0xff, 0xff, 1, 2, 3]),
      garbage: Buffer.alloc(200, 0x5a),
      'well-formed but not what the server sent': Buffer.from([0, 0, 0, 5, 0, 3, 1, 2, 3]),
    };
    for (const [name, body] of Object.entries(bodies)) {
      const rewriteRecord = ticketRewrite(body);
      const server = await hostile(t, relayServer(upstream.port, { rewriteRecord }));
      const r = await probe(server, { tls: '1.2' });
      assert.ok(r.findings.includes('handshake.failed'), `${name}: ${r.findings.join()}`);
      assert.ok(
        r.messages.some((m) => m.startsWith('server:NewSessionTicket:')),
        name,
      );
    }
  });

  test(
    'a server looping NewSessionTickets cannot ' + 'grow the probe (openssl -num_tickets)',
    async (t) => {
      // biome-ignore format: flags and their values side by side
      const server = await startOpenSslServer([
      '-cert', fx.files.chain!, '-key', fx.files.leafKey!, '-www', '-num_tickets', '200000',
    ]);
      t.after(() => server.close());
      const r = await probe(server);
      assert.ok(r.tickets > 0 && r.tickets <= 512, `${r.tickets} tickets listed`);
      assert.ok(r.messages.length <= 520, `${r.messages.length} messages listed`);
      assert.ok(r.maxRssMb < 200, `child peaked at ${r.maxRssMb} MB`);
    },
  );

  for (const when of ['accept', 'client-hello'] as const) {
    test(`a server that resets the connection at ${when} is a connection error`, async (t) => {
      const server = await hostile(t, resetServer(when));
      const r = await probe(server);
      assert.match(r.connectionError ?? '', /ECONNRESET/);
    });
  }

  test(
    'a server that answers with a TLS alert ' + 'is a failed handshake naming the alert',
    async (t) => {
      const server = await hostile(t, alertServer(40));
      const r = await probe(server);
      assert.equal(r.connectionError, null);
      assert.ok(r.findings.includes('handshake.failed'), r.findings.join());
      assert.deepEqual(r.alerts, ['server:handshake_failure']);
    },
  );

  test('an HTTP/1.1 response that never ends is cut at the deadline', async (t) => {
    const server = await startHttpsServer(t, {
      ...serverIdentity(fx.pki),
      handler: (_req, res) => {
        res.writeHead(200);
        everyUntilClosed(res, 100, () => res.write('more '));
      },
    });
    const r = await probe(server);
    assert.equal(r.httpStatus, 200);
    assert.match(r.httpError ?? '', /response did not end within \d+ ms/);
  });

  test('an h2 response that never ends is cut at the deadline', async (t) => {
    const server = await hostile(
      t,
      h2Server(serverIdentity(fx.pki), (stream) => {
        stream.respond({ ':status': 200 });
        everyUntilClosed(stream, 100, () => stream.write('more '));
      }),
    );
    const r = await probe(server, { alpn: ['h2', 'http/1.1'] });
    assert.equal(r.httpStatus, 200);
    assert.match(r.httpError ?? '', /response did not end within \d+ ms/);
  });

  test('response headers that never end are cut at the deadline', async (t) => {
    const server = await startHttpsServer(t, {
      ...serverIdentity(fx.pki),
      handler: (_req, res) => {
        res.socket?.write('HTTP/1.1 200 OK\r\n');
        everyUntilClosed(res, 100, () => res.socket?.write('X-More: yes\r\n'));
      },
    });
    const r = await probe(server);
    assert.match(r.httpError ?? '', /no response headers within \d+ ms/);
  });
});

/**
 * Server options with a leaf padded by `names` SANs (about 28 bytes each) plus the
 * intermediate.
 */
async function bigChain(fx: PkiFixture, names: number) {
  const sans = [
    'localhost',
    ...Array.from({ length: names }, (_, i) => `host-${i}.big.example.test`),
  ];
  const spec = { commonName: 'localhost', sans, issuer: fx.pki.intermediate };
  const leaf = await issueWithKeys({ ...spec, extKeyUsage: ['serverAuth'] }, await generateKeys());
  return { cert: leaf.certPem + fx.pki.intermediate.certPem, key: leaf.keyPem };
}

/** A leaf signed by the lab intermediate whose extension `oid` holds a truncated SEQUENCE. */
async function malformedExtensionLeaf(fx: PkiFixture, oid: string) {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '0badc0de',
    subject: 'CN=localhost',
    issuer: fx.pki.intermediate.certificate.subject,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 86400_000),
    publicKey: keys.publicKey,
    signingKey: fx.pki.intermediate.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.Extension(oid, false, new Uint8Array([0x30, 0x03, 0x02, 0x01]))],
  });
  const key = crypto.KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' });
  return { cert: `${cert.toString('pem')}\n${fx.pki.intermediate.certPem}`, key: key as string };
}
