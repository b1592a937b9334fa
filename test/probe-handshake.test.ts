/**
 * The handshake part of the report against real servers (Node tls/http2, openssl s_server):
 * version, IANA cipher, group, ALPN, HelloRetryRequest, messages, flights and timing marks.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import type tls from 'node:tls';
import { createLabPki, writeLabPki } from '../src/pki/pki.js';
import { defaultDeps, probeOptions, runProbe } from '../src/probe.js';
import { prepareSetup } from '../src/probes/setup.js';
import type { Flight, Report } from '../src/report/model.js';
import {
  findingIds,
  type PkiFixture,
  probeLocal,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';
import { startOpenSslServer } from './support/openssl-server.js';

let fx: PkiFixture;
let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-handshake-'));
  const pki = await createLabPki({ ocspUrl: 'http://ocsp.tlsflight.test/' });
  fx = { pki, dir, files: await writeLabPki(pki, dir) };
});
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

const TLS13_SERVER_FLIGHT = [
  'ServerHello',
  'EncryptedExtensions',
  'Certificate',
  'CertificateVerify',
  'Finished',
];
const TLS12_SERVER_FLIGHT = ['ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone'];

/** Handshake messages of a flight, without ChangeCipherSpec, records and alerts. */
function handshakeMessages(flight: Flight | undefined): string[] {
  const notHandshake = /^(ChangeCipherSpec|ApplicationData|encrypted|Alert\(.*\))$/;
  return (flight?.messages ?? []).filter((m) => !notHandshake.test(m));
}

/** The first `n` flights as `from: messages`, for one readable assertion. */
function firstFlights(report: Report, n: number): string[] {
  return report
    .handshake!.flights.slice(0, n)
    .map((f) => `${f.from}: ${handshakeMessages(f).join(',')}`);
}

/** curl's marks never run backwards, and every flight starts after the one before. */
function assertMonotonic(report: Report): void {
  const t = report.timing!;
  const marks = [t.namelookup, t.connect, t.appconnect, t.starttransfer, t.total];
  assert.ok(
    marks.every((m, i) => m !== null && (i === 0 || m >= marks[i - 1]!)),
    `marks out of order: ${marks.join(' ')}`,
  );
  const flights = report.handshake!.flights;
  assert.ok(
    flights.every((f, i) => f.start <= f.end && (i === 0 || f.start >= flights[i - 1]!.end)),
  );
}

/** A Node HTTPS server with the lab leaf + intermediate and extra TLS options. */
async function nodeServer(t: TestContext, options: tls.TlsOptions = {}): Promise<number> {
  const server = await startHttpsServer(t, { ...serverIdentity(fx.pki), ...options });
  return server.port;
}

/** openssl s_server -www with the lab leaf + intermediate and extra flags. */
async function opensslServer(t: TestContext, args: string[] = []): Promise<number> {
  const f = fx.files;
  const base = ['-cert', f.leaf!, '-key', f.leafKey!, '-cert_chain', f.intermediate!, '-www'];
  const server = await startOpenSslServer([...base, ...args]);
  t.after(() => server.close());
  return server.port;
}

describe('healthy TLS 1.3', () => {
  test('a Node server: version, IANA cipher, X25519, no HRR, three flights', async (t) => {
    const report = await probeLocal(await nodeServer(t), fx, { resumption: false });
    const h = report.handshake!;

    assert.equal(h.version, 'TLSv1.3');
    assert.equal(h.cipher, 'TLS_AES_256_GCM_SHA384');
    assert.equal(h.group, 'X25519');
    assert.equal(h.alpn, 'http/1.1');
    assert.equal(h.helloRetryRequest, false);
    assert.equal(h.error, null);
    assert.deepEqual(firstFlights(report, 3), [
      'client: ClientHello',
      `server: ${TLS13_SERVER_FLIGHT.join(',')}`,
      'client: Finished',
    ]);
    assertMonotonic(report);
    assert.equal(report.http?.status, 200);
    assert.deepEqual(
      findingIds(report).filter((id) => id.startsWith('handshake.')),
      [],
    );
  });

  test('a name resolved by the resolver: namelookup is a mark of its own', async (t) => {
    const port = await nodeServer(t);
    const resolved: string[] = [];
    // Only ever 127.0.0.1: the system resolver could answer ::1, where nothing of ours listens.
    const resolver = async (host: string) => {
      resolved.push(host);
      return ['127.0.0.1'];
    };
    const options = probeOptions({ host: 'localhost', port }, { alpn: [], resumption: false });
    const setup = prepareSetup({ caFiles: [fx.files.ca!], credentials: [] });
    const report = await runProbe(options, setup, { ...defaultDeps, resolver });

    assert.deepEqual(resolved, ['localhost']);
    assert.equal(report.target.address, '127.0.0.1');
    assert.ok(report.timing!.namelookup > 0);
    assertMonotonic(report);
  });

  test('messages after ServerHello are decrypted with the keylog, tickets included', async (t) => {
    const report = await probeLocal(await nodeServer(t), fx, { resumption: false });
    const seen = report.handshake!.messages.map((m) => `${m.from} ${m.type} ${m.visibility}`);

    assert.deepEqual(seen.slice(0, 7), [
      'client ClientHello clear',
      'server ServerHello clear',
      'server EncryptedExtensions decrypted',
      'server Certificate decrypted',
      'server CertificateVerify decrypted',
      'server Finished decrypted',
      'client Finished decrypted',
    ]);
    // Node sends two NewSessionTickets after a full TLS 1.3 handshake (TLS-FACTS).
    assert.deepEqual(seen.slice(7), [
      'server NewSessionTicket decrypted',
      'server NewSessionTicket decrypted',
    ]);
  });

  const suites = [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
  ];
  for (const suite of suites) {
    test(`the server's only suite ${suite} is reported and decrypted`, async (t) => {
      const report = await probeLocal(await nodeServer(t, { ciphers: suite }), fx, {
        resumption: false,
      });
      const certificate = report.handshake!.messages.find((m) => m.type === 'Certificate');

      assert.equal(report.handshake!.cipher, suite);
      assert.equal(certificate?.visibility, 'decrypted');
      assert.equal(report.chain?.certificates.length, 2);
    });
  }

  test('openssl s_server: same flights, no ALPN is an info finding', async (t) => {
    const report = await probeLocal(await opensslServer(t), fx, {
      alpn: ['h2', 'http/1.1'],
      resumption: false,
    });
    const noAlpn = report.findings.find((f) => f.id === 'handshake.no-alpn');

    assert.equal(report.handshake!.version, 'TLSv1.3');
    assert.equal(report.handshake!.group, 'X25519');
    assert.equal(report.handshake!.alpn, null);
    assert.equal(noAlpn?.severity, 'info');
    assert.deepEqual(firstFlights(report, 3), [
      'client: ClientHello',
      `server: ${TLS13_SERVER_FLIGHT.join(',')}`,
      'client: Finished',
    ]);
    assertMonotonic(report);
    assert.equal(report.http?.status, 200);
  });
});

describe('ALPN', () => {
  test('an HTTP/2 server negotiates h2 and answers the h2 request', async (t) => {
    const server = http2.createSecureServer({ ...serverIdentity(fx.pki), allowHTTP1: true });
    server.on('stream', (stream) => stream.respond({ ':status': 200 }, { endStream: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;

    const report = await probeLocal(port, fx, { alpn: ['h2', 'http/1.1'], resumption: false });

    assert.equal(report.handshake!.alpn, 'h2');
    assert.equal(report.http?.protocol, 'h2');
    assert.equal(report.http?.status, 200);
    assertMonotonic(report);
  });

  test('an HTTP/1.1-only server picks http/1.1 from h2,http/1.1', async (t) => {
    const report = await probeLocal(await nodeServer(t), fx, {
      alpn: ['h2', 'http/1.1'],
      resumption: false,
    });

    assert.equal(report.handshake!.alpn, 'http/1.1');
    assert.equal(report.http?.protocol, 'http/1.1');
    assert.ok(!findingIds(report).includes('handshake.no-alpn'));
  });
});

describe('healthy TLS 1.2', () => {
  test('a Node server capped at TLS 1.2: two round trips, a warning', async (t) => {
    const port = await nodeServer(t, { maxVersion: 'TLSv1.2' });
    const report = await probeLocal(port, fx, { resumption: false });
    const h = report.handshake!;
    const warning = report.findings.find((f) => f.id === 'handshake.tls12');

    assert.equal(h.version, 'TLSv1.2');
    assert.equal(h.cipher, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    // TLS 1.2: the group comes from the ServerKeyExchange, in clear.
    assert.equal(h.group, 'X25519');
    assert.equal(h.helloRetryRequest, false);
    assert.deepEqual(firstFlights(report, 4), [
      'client: ClientHello',
      `server: ${TLS12_SERVER_FLIGHT.join(',')}`,
      'client: ClientKeyExchange,Finished',
      'server: NewSessionTicket,Finished',
    ]);
    assert.equal(warning?.severity, 'warn');
    assertMonotonic(report);
  });

  test('an orderly TLS 1.2 close is no fatal alert and no handshake message', async (t) => {
    const port = await nodeServer(t, { maxVersion: 'TLSv1.2' });
    const report = await probeLocal(port, fx, { resumption: false });

    assert.equal(report.http?.status, 200);
    assert.deepEqual(
      report.handshake!.alerts.filter((a) => a.level === 'fatal'),
      [],
    );
    assert.ok(!report.handshake!.messages.some((m) => m.type === 'Alert'));
  });

  test('openssl s_server -tls1_2 with one cipher: its IANA name', async (t) => {
    const port = await opensslServer(t, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305']);
    const report = await probeLocal(port, fx, { resumption: false });

    assert.equal(report.handshake!.version, 'TLSv1.2');
    assert.equal(report.handshake!.cipher, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
    assert.deepEqual(firstFlights(report, 2), [
      'client: ClientHello',
      `server: ${TLS12_SERVER_FLIGHT.join(',')}`,
    ]);
    assertMonotonic(report);
  });

  test('--tls 1.2 pins the version against a TLS 1.3 server', async (t) => {
    const setup = { tlsVersion: '1.2' } as const;
    const report = await probeLocal(await nodeServer(t), fx, { resumption: false }, setup);

    assert.equal(report.handshake!.version, 'TLSv1.2');
    assert.ok(findingIds(report).includes('handshake.tls12'));
  });

  test('--tls 1.3 against a TLS 1.2-only server fails with its alert, as a finding', async (t) => {
    const port = await nodeServer(t, { maxVersion: 'TLSv1.2' });
    const report = await probeLocal(port, fx, { resumption: false }, { tlsVersion: '1.3' });
    const failed = report.findings.find((f) => f.id === 'handshake.failed');

    assert.equal(report.connectionError, null);
    assert.equal(report.handshake!.version, null);
    assert.equal(failed?.severity, 'fail');
    assert.match(failed?.title ?? '', /protocol_version/);
  });
});

describe('HelloRetryRequest forced by the server group list', () => {
  const servers = [
    {
      name: 'Node ecdhCurve P-256',
      start: (t: TestContext) => nodeServer(t, { ecdhCurve: 'P-256' }),
    },
    {
      name: 'openssl s_server -groups P-256',
      start: (t: TestContext) => opensslServer(t, ['-groups', 'P-256']),
    },
  ];
  for (const server of servers) {
    test(`${server.name}: HRR seen, group P-256, a warning`, async (t) => {
      const report = await probeLocal(await server.start(t), fx, { resumption: false });
      const h = report.handshake!;
      const hrr = report.findings.find((f) => f.id === 'handshake.hello-retry');

      assert.equal(h.version, 'TLSv1.3');
      assert.equal(h.helloRetryRequest, true);
      assert.deepEqual(
        h.messages.slice(0, 2).map((m) => `${m.from} ${m.type}`),
        ['client ClientHello', 'server HelloRetryRequest'],
      );
      assert.equal(h.group, 'P-256');
      assert.equal(hrr?.severity, 'warn');
      assert.match(hrr?.title ?? '', /P-256/);
      assertMonotonic(report);
    });

    test(`${server.name}: the handshake after the HRR is read, chain as sent`, async (t) => {
      const report = await probeLocal(await server.start(t), fx, { resumption: false });
      const types = report.handshake!.messages.map((m) => `${m.from} ${m.type}`);

      assert.deepEqual(types.slice(0, 9), [
        'client ClientHello',
        'server HelloRetryRequest',
        'client ClientHello',
        ...TLS13_SERVER_FLIGHT.map((m) => `server ${m}`),
        'client Finished',
      ]);
      assert.deepEqual(firstFlights(report, 4), [
        'client: ClientHello',
        'server: HelloRetryRequest',
        'client: ClientHello',
        `server: ${TLS13_SERVER_FLIGHT.join(',')}`,
      ]);
      // The server sent leaf + intermediate; Node's verified path would add the root.
      assert.equal(report.chain?.certificates.length, 2);
      assert.ok(!findingIds(report).includes('chain.extra-root'));
    });
  }
});
