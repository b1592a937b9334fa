/**
 * tlsflight beside openssl s_client and curl on the same endpoints: a staple is seen by both
 * or by neither, the chain has the same certificates in the same order, and the TLS version,
 * ALPN and HelloRetryRequest agree. Wall times are never compared.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import type tls from 'node:tls';
import { promisify } from 'node:util';
import { buildOcspResponse } from '../src/pki/ocsp-response.js';
import { createLabPki, type IssuedCert, writeLabPki } from '../src/pki/pki.js';
import type { ProbeOptions } from '../src/probe.js';
import type { Report } from '../src/report/model.js';
import { type PkiFixture, probeLocal, startHttpsServer } from './support/fixtures.js';
import { type NginxOptions, startNginx } from './support/nginx.js';
import { runOpenSslClient, startOpenSslServer } from './support/openssl-server.js';

const run = promisify(execFile);
const NGINX_INSTALLED = existsSync('/usr/sbin/nginx');
const DAY = 86_400_000;

let fx: PkiFixture;
let curlInstalled = false;
const files: Record<string, string> = {};
const staples: Record<'good' | 'expired', Buffer> = {
  good: Buffer.alloc(0),
  expired: Buffer.alloc(0),
};
let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-compare-'));
  const pki = await createLabPki({ ocspUrl: 'http://ocsp.tlsflight.test/' });
  fx = { pki, dir, files: await writeLabPki(pki, dir) };
  const signed = { leaf: pki.leaf, issuer: pki.intermediate, signer: pki.intermediate };
  const stale = {
    thisUpdate: new Date(Date.now() - 2 * DAY),
    nextUpdate: new Date(Date.now() - DAY),
  };
  staples.good = buildOcspResponse(signed);
  staples.expired = buildOcspResponse({ ...signed, ...stale });
  await write('good.der', staples.good);
  await write('expired.der', staples.expired);
  await write('root-int.pem', pki.root.certPem + pki.intermediate.certPem);
  await write('int-root.pem', pki.intermediate.certPem + pki.root.certPem);
  curlInstalled = await run('curl', ['--version']).then(
    () => true,
    () => false,
  );
});
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

async function write(name: string, data: string | Buffer): Promise<void> {
  files[name] = path.join(fx.dir, name);
  await writeFile(files[name]!, data);
}

/** One endpoint both tools look at. */
interface Endpoint {
  name: string;
  nginx?: boolean;
  /** Staples an expired response (which s_client prints as good). */
  staleStaple?: boolean;
  start(t: TestContext): Promise<number>;
}

async function node(
  t: TestContext,
  certs: IssuedCert[],
  opts: tls.TlsOptions & { staple?: Buffer },
) {
  const cert = certs.map((c) => c.certPem).join('');
  return (await startHttpsServer(t, { cert, key: certs[0]!.keyPem, ...opts })).port;
}

async function sServer(t: TestContext, chainFile: string, args: string[] = []): Promise<number> {
  const f = fx.files;
  const base = ['-cert', f.leaf!, '-key', f.leafKey!, '-cert_chain', chainFile, '-www'];
  const server = await startOpenSslServer([...base, ...args]);
  t.after(() => server.close());
  return server.port;
}

async function nginx(t: TestContext, chain: string, extra: Partial<NginxOptions> = {}) {
  const server = await startNginx({
    cert: fx.files.leaf!,
    key: fx.files.leafKey!,
    chain,
    ...extra,
  });
  t.after(() => server.close());
  return server.port;
}

/** The lab leaf followed by the named lab certificates, in that order. */
function sent(...rest: Array<'intermediate' | 'root'>): IssuedCert[] {
  return [fx.pki.leaf, ...rest.map((name) => fx.pki[name])];
}

async function h2Server(t: TestContext): Promise<number> {
  const cert = fx.pki.leaf.certPem + fx.pki.intermediate.certPem;
  const server = http2.createSecureServer({ cert, key: fx.pki.leaf.keyPem, allowHTTP1: true });
  server.on('stream', (stream) => stream.respond({ ':status': 200 }, { endStream: true }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** Runs a test on an endpoint, skipping nginx ones when nginx is not installed. */
function onEndpoint(e: Endpoint, body: (t: TestContext, port: number) => Promise<void>) {
  return async (t: TestContext) => {
    if (e.nginx && !NGINX_INSTALLED) return t.skip('nginx not installed');
    await body(t, await e.start(t));
  };
}

const probe = (port: number, overrides: Partial<ProbeOptions> = {}): Promise<Report> =>
  probeLocal(port, fx, { resumption: false, ...overrides });

/** `openssl s_client` against the endpoint as `localhost`, trusting the lab root. */
async function sClient(port: number, flags: string[]): Promise<string> {
  const connect = ['-connect', `127.0.0.1:${port}`, '-servername', 'localhost'];
  const { output } = await runOpenSslClient([...connect, ...flags, '-CAfile', fx.files.ca!]);
  return output;
}

/** Whether s_client -status printed a response (it prints "no response sent" otherwise). */
function sClientSawStaple(output: string): boolean {
  if (/OCSP response: no response sent/.test(output)) return false;
  assert.match(output, /OCSP Response Status: successful/);
  return true;
}

/** SHA-256 of each PEM certificate -showcerts printed, in the order printed. */
function shownCertificates(output: string): string[] {
  const pems = output.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return pems.map((pem) => {
    const b64 = pem.replace(/-----[A-Z ]+-----|\s/g, '');
    return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
  });
}

/** curl -v on the endpoint (--resolve pins localhost to 127.0.0.1; no proxy from the env). */
async function curl(port: number): Promise<{ appconnect: number; verbose: string }> {
  const url = `https://localhost:${port}/`;
  // biome-ignore format: flags and their values side by side
  const args = [
    '-sk', '-v', '-o', '/dev/null', '--noproxy', '*', '--max-time', '10',
    '-w', '%{time_appconnect}', '--resolve', `localhost:${port}:127.0.0.1`, url,
  ];
  const { stdout, stderr } = await run('curl', args);
  return { appconnect: Number(stdout), verbose: stderr };
}

describe('openssl s_client -status sees a staple iff tlsflight received one', () => {
  const endpoints: Endpoint[] = [
    {
      name: 'Node TLS 1.3, good staple',
      start: (t) => node(t, sent('intermediate'), { staple: staples.good }),
    },
    {
      name: 'Node TLS 1.2, expired staple',
      staleStaple: true,
      start: (t) =>
        node(t, sent('intermediate'), { staple: staples.expired, maxVersion: 'TLSv1.2' }),
    },
    { name: 'Node, no staple', start: (t) => node(t, sent('intermediate'), {}) },
    {
      name: 'openssl s_server -status_file, expired staple',
      staleStaple: true,
      start: (t) => sServer(t, fx.files.intermediate!, ['-status_file', files['expired.der']!]),
    },
    { name: 'openssl s_server, no staple', start: (t) => sServer(t, fx.files.intermediate!) },
    {
      name: 'nginx ssl_stapling_file, good staple',
      nginx: true,
      start: (t) => nginx(t, fx.files.intermediate!, { staplingFile: files['good.der'] }),
    },
    { name: 'nginx, no staple', nginx: true, start: (t) => nginx(t, fx.files.intermediate!) },
  ];
  for (const e of endpoints) {
    test(
      e.name,
      onEndpoint(e, async (_t, port) => {
        const report = await probe(port);
        const output = await sClient(port, ['-status']);

        assert.equal(report.stapling!.received, sClientSawStaple(output));
        if (e.staleStaple) {
          // The trap: s_client prints the stale response as "good" without complaint.
          assert.match(output, /Cert Status: good/);
          assert.equal(report.stapling!.state, 'invalid');
          assert.ok(report.findings.some((f) => f.id === 'stapling.expired'));
        }
      }),
    );
  }
});

describe('openssl s_client -showcerts lists the same certificates in the same order', () => {
  const endpoints: Endpoint[] = [
    { name: 'Node [leaf, intermediate]', start: (t) => node(t, sent('intermediate'), {}) },
    {
      name: 'Node [leaf, root, intermediate]',
      start: (t) => node(t, sent('root', 'intermediate'), {}),
    },
    { name: 'Node [leaf] alone', start: (t) => node(t, sent(), {}) },
    {
      name: 'openssl s_server TLS 1.2 [leaf, root, intermediate]',
      start: (t) => sServer(t, files['root-int.pem']!, ['-tls1_2']),
    },
    {
      name: 'nginx [leaf, intermediate, root]',
      nginx: true,
      start: (t) => nginx(t, files['int-root.pem']!),
    },
  ];
  for (const e of endpoints) {
    test(
      e.name,
      onEndpoint(e, async (_t, port) => {
        const report = await probe(port);
        const shown = shownCertificates(await sClient(port, ['-showcerts']));

        assert.ok(shown.length > 0, 's_client showed no certificate');
        assert.deepEqual(
          report.chain!.certificates.map((c) => c.sha256),
          shown,
        );
      }),
    );
  }
});

describe('curl agrees on TLS version, ALPN and HelloRetryRequest', () => {
  const endpoints: Endpoint[] = [
    { name: 'Node TLS 1.3', start: (t) => node(t, sent('intermediate'), {}) },
    {
      name: 'Node TLS 1.2',
      start: (t) => node(t, sent('intermediate'), { maxVersion: 'TLSv1.2' }),
    },
    {
      name: 'Node TLS 1.3 with P-256 only (HRR)',
      start: (t) => node(t, sent('intermediate'), { ecdhCurve: 'P-256' }),
    },
    { name: 'Node HTTP/2', start: (t) => h2Server(t) },
    {
      name: 'openssl s_server -tls1_2',
      start: (t) => sServer(t, fx.files.intermediate!, ['-tls1_2']),
    },
    {
      name: 'nginx TLS 1.2 only, http2',
      nginx: true,
      start: (t) => nginx(t, fx.files.intermediate!, { protocols: 'TLSv1.2', http2: true }),
    },
  ];
  for (const e of endpoints) {
    test(
      e.name,
      onEndpoint(e, async (t, port) => {
        if (!curlInstalled) return t.skip('curl not installed');
        // curl offers h2,http/1.1 by default: offer the same.
        const report = await probe(port, { alpn: ['h2', 'http/1.1'] });
        const { appconnect, verbose } = await curl(port);
        const version = /SSL connection using (TLSv1\.[0-3])/.exec(verbose)?.[1];
        const alpn = /ALPN: server accepted (\S+)/.exec(verbose)?.[1] ?? null;
        const clientHellos = verbose.match(/\(OUT\), TLS handshake, Client hello/g)?.length;

        assert.ok(appconnect > 0, `curl time_appconnect ${appconnect}`);
        assert.equal(report.handshake!.version, version);
        assert.equal(report.handshake!.alpn, alpn);
        // A HelloRetryRequest makes the client say hello twice.
        assert.equal(report.handshake!.helloRetryRequest, clientHellos === 2);
      }),
    );
  }
});
