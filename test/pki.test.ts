import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import {
  createLabPki,
  exportPkcs12,
  issueCertificate,
  type LabPki,
  reuseKeyCertificate,
  withOcspUrl,
  writeLabPki,
} from '../src/pki/pki.js';

const run = promisify(execFile);

/** A TLS server on 127.0.0.1:0 that reports each peer's verdict; closed after the test. */
async function serve(t: TestContext, options: tls.TlsOptions) {
  const server = tls.createServer(options, (socket) => socket.end());
  const peers: Array<{ authorized: boolean; error: string | null }> = [];
  server.on('secureConnection', (s) =>
    peers.push({ authorized: s.authorized, error: String(s.authorizationError ?? '') || null }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, peers };
}

/** Handshakes, reads until the server closes, and returns the client's verdict. */
function handshake(port: number, options: tls.ConnectionOptions = {}) {
  return new Promise<{ authorized: boolean; error: string | null }>((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      rejectUnauthorized: false,
      ...options,
    });
    let verdict = { authorized: false, error: null as string | null };
    socket.on('secureConnect', () => {
      verdict = { authorized: socket.authorized, error: String(socket.authorizationError ?? '') };
      verdict.error ||= null;
    });
    socket.on('data', () => {});
    socket.on('close', () => resolve(verdict));
    socket.on('error', reject);
  });
}

describe('lab PKI', () => {
  let pki: LabPki;
  let dir: string;
  let files: Record<string, string>;

  before(async () => {
    pki = await createLabPki({ ocspUrl: 'http://127.0.0.1:9999/' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tlsflight-pki-'));
    files = await writeLabPki(pki, dir);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('serves a leaf + intermediate chain that a client trusting the root authorizes', async (t) => {
    const { port } = await serve(t, {
      cert: pki.leaf.certPem + pki.intermediate.certPem,
      key: pki.leaf.keyPem,
    });
    const verdict = await handshake(port, { ca: pki.root.certPem });
    assert.deepEqual(verdict, { authorized: true, error: null });
  });

  it('serves an expired leaf that the client reports as CERT_HAS_EXPIRED', async (t) => {
    const { port } = await serve(t, {
      cert: pki.expiredLeaf.certPem + pki.intermediate.certPem,
      key: pki.expiredLeaf.keyPem,
    });
    const verdict = await handshake(port, { ca: pki.root.certPem });
    assert.deepEqual(verdict, { authorized: false, error: 'CERT_HAS_EXPIRED' });
  });

  it('puts SANs, AIA OCSP and caIssuers in the leaf', () => {
    const leaf = new crypto.X509Certificate(pki.leaf.certDer);
    assert.equal(leaf.subject, 'CN=localhost');
    assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
    assert.equal(
      leaf.infoAccess,
      'OCSP - URI:http://127.0.0.1:9999/\nCA Issuers - URI:http://127.0.0.1:9999/ca/issuer.cer',
    );
    assert.equal(new Date(leaf.validFrom).getUTCMilliseconds(), 0);
    const noOcsp = new crypto.X509Certificate(pki.noOcspLeaf.certDer);
    assert.doesNotMatch(noOcsp.infoAccess ?? '', /OCSP/);
  });

  it('marks only the must-staple leaf with the TLS Feature status_request', async () => {
    const text = (file: string) => run('openssl', ['x509', '-in', file, '-noout', '-text']);
    const mustStaple = await text(files.mustStapleLeaf!);
    assert.match(mustStaple.stdout, /TLS Feature:\s*\n\s*status_request/);
    assert.doesNotMatch((await text(files.leaf!)).stdout, /TLS Feature/);
  });

  it('gives the delegated responder EKU OCSP Signing under the intermediate', () => {
    const responder = new crypto.X509Certificate(pki.ocspResponder.certDer);
    const rogue = new crypto.X509Certificate(pki.rogueResponder.certDer);
    const intermediate = new crypto.X509Certificate(pki.intermediate.certDer);
    assert.deepEqual(responder.keyUsage, ['1.3.6.1.5.5.7.3.9']);
    assert.equal(responder.checkIssued(intermediate), true);
    assert.deepEqual(rogue.keyUsage, ['1.3.6.1.5.5.7.3.9']);
    assert.equal(rogue.checkIssued(intermediate), false);
  });

  it('writes PEM files that openssl verifies, keys with mode 0600', async () => {
    const { stdout } = await run('openssl', [
      'verify',
      '-CAfile',
      files.ca!,
      '-untrusted',
      files.intermediate!,
      files.leaf!,
    ]);
    assert.equal(stdout.trim(), `${files.leaf}: OK`);
    assert.equal((await fs.stat(files.leafKey!)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(files.leaf!)).mode & 0o777, 0o644);
    const chain = await fs.readFile(files.chain!, 'utf8');
    assert.equal(chain.match(/BEGIN CERTIFICATE/g)?.length, 2);
    const clientCas = await fs.readFile(files.clientCas!, 'utf8');
    assert.equal(clientCas, pki.clientRoot.certPem + pki.clientRoot2.certPem);
  });

  it('issues client certificates that a server trusting both client CAs tells apart', async (t) => {
    const server = await serve(t, {
      cert: pki.leaf.certPem + pki.intermediate.certPem,
      key: pki.leaf.keyPem,
      requestCert: true,
      rejectUnauthorized: false,
      ca: [pki.clientRoot.certPem, pki.clientRoot2.certPem],
    });
    for (const client of [pki.client, pki.client2, pki.wrongClient]) {
      await handshake(server.port, { cert: client.certPem, key: client.keyPem });
    }
    assert.deepEqual(
      server.peers.map((p) => p.authorized),
      [true, true, false],
    );
  });

  it('re-issues a leaf with the same key and a new OCSP URL', async () => {
    const moved = await withOcspUrl(pki, 'http://127.0.0.1:8888/');
    const spki = (der: Buffer) =>
      new crypto.X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
    assert.deepEqual(spki(moved.leaf.certDer), spki(pki.leaf.certDer));
    assert.notEqual(moved.leaf.certificate.serialNumber, pki.leaf.certificate.serialNumber);
    assert.match(new crypto.X509Certificate(moved.leaf.certDer).infoAccess!, /:8888\//);
    const renamed = await reuseKeyCertificate(pki.leaf, { sans: ['renamed.test'] });
    assert.deepEqual(spki(renamed.certDer), spki(pki.leaf.certDer));
    assert.equal(new crypto.X509Certificate(renamed.certDer).subjectAltName, 'DNS:renamed.test');
  });
});

describe('issueCertificate', () => {
  it('makes a self-signed RSA 2048 certificate when asked', async () => {
    const cert = await issueCertificate({ commonName: 'rsa.test', keyType: 'rsa', isCA: true });
    const x = new crypto.X509Certificate(cert.certDer);
    assert.equal(x.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(x.checkIssued(x), true);
    assert.equal(x.ca, true);
    assert.match(cert.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  });
});

describe('exportPkcs12', () => {
  let pki: LabPki;
  let dir: string;
  before(async () => {
    pki = await createLabPki();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tlsflight-p12-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('writes a PKCS#12 a Node server can load, chain included', async (t) => {
    const outPath = path.join(dir, 'server.p12');
    await exportPkcs12({
      certPem: pki.leaf.certPem,
      keyPem: pki.leaf.keyPem,
      chainPem: pki.intermediate.certPem,
      passphrase: 'correct horse',
      outPath,
    });
    const pfx = await fs.readFile(outPath);
    const { port } = await serve(t, { pfx, passphrase: 'correct horse' });
    assert.deepEqual(await handshake(port, { ca: pki.root.certPem }), {
      authorized: true,
      error: null,
    });
  });

  it('writes a legacy RC2-40 file that OpenSSL 3 refuses by default', async () => {
    const outPath = path.join(dir, 'legacy.p12');
    const opts = { certPem: pki.client.certPem, keyPem: pki.client.keyPem, passphrase: 'pw' };
    await exportPkcs12({ ...opts, outPath, legacy: true });
    const { stdout } = await run('openssl', [
      'pkcs12',
      '-in',
      outPath,
      '-info',
      '-noout',
      '-legacy',
      '-passin',
      'pass:pw',
    ]);
    assert.equal(stdout, '');
    const pfx = await fs.readFile(outPath);
    assert.throws(() => tls.createSecureContext({ pfx, passphrase: 'pw' }), /unsupported/i);
  });

  it('reports an openssl failure as WRITE_FAILED with the path', async () => {
    const outPath = path.join(dir, 'missing-dir', 'x.p12');
    await assert.rejects(
      exportPkcs12({ certPem: 'junk', keyPem: 'junk', passphrase: 'pw', outPath }),
      (err: Error & { code?: string }) =>
        err.code === 'WRITE_FAILED' && err.message.includes(outPath),
    );
  });
});
