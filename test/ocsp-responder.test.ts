import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type OcspResponder, startOcspResponder } from '../src/lab/ocsp-responder.js';
import { createLabPki, type LabPki, withOcspUrl, writeLabPki } from '../src/pki/pki.js';
import { buildOcspRequest, ocspUrlsOf, verifyOcspResponse } from '../src/probes/ocsp-verify.js';

const run = promisify(execFile);

interface Reply {
  status: number;
  type: string | undefined;
  body: Buffer;
}

/** One HTTP exchange on a fresh connection; rejects with 'timeout' after `timeoutMs`. */
function exchange(url: string, body: Buffer | null, timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: body ? 'POST' : 'GET',
      agent: false,
      headers: body ? { 'content-type': 'application/ocsp-request' } : {},
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      reject(new Error('timeout'));
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          type: res.headers['content-type'],
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.end(body ?? undefined);
  });
}

describe('OCSP responder', () => {
  let pki: LabPki;
  let responder: OcspResponder;
  let dir: string;
  let files: Record<string, string>;

  before(async () => {
    const base = await createLabPki();
    let revokedSerial = '';
    responder = await startOcspResponder({
      pki: base,
      statusFor: (serial) => (serial === revokedSerial ? 'revoked' : 'good'),
    });
    // The leaves carry the responder's URL, known only once it listens.
    pki = await withOcspUrl(base, responder.url);
    revokedSerial = pki.otherLeaf.certificate.serialNumber;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tlsflight-responder-'));
    files = await writeLabPki(pki, dir);
  });
  after(async () => {
    await responder.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const ask = (leaf: LabPki['leaf'], issuer = pki.intermediate) =>
    exchange(responder.url, buildOcspRequest(leaf.certDer, issuer.certDer));

  it('answers a POSTed request with a good, verified response', async () => {
    assert.deepEqual(ocspUrlsOf(pki.leaf.certDer), [responder.url]);
    const before = responder.requests;
    const reply = await ask(pki.leaf);
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'application/ocsp-response');
    const verdict = verifyOcspResponse(reply.body, pki.leaf.certDer, pki.intermediate.certDer);
    assert.deepEqual(
      [verdict.certStatus, verdict.signer, verdict.signatureValid, verdict.certIdMatches],
      ['good', 'issuer', true, true],
    );
    assert.equal(responder.requests, before + 1);
  });

  it('answers the GET form (url-encoded base64) too', async () => {
    const request = buildOcspRequest(pki.leaf.certDer, pki.intermediate.certDer);
    const reply = await exchange(
      responder.url + encodeURIComponent(request.toString('base64')),
      null,
    );
    const verdict = verifyOcspResponse(reply.body, pki.leaf.certDer, pki.intermediate.certDer);
    assert.equal(verdict.certStatus, 'good');
  });

  it('answers revoked for the serial statusFor revokes', async () => {
    const reply = await ask(pki.otherLeaf);
    const verdict = verifyOcspResponse(reply.body, pki.otherLeaf.certDer, pki.intermediate.certDer);
    assert.equal(verdict.certStatus, 'revoked');
    assert.equal(verdict.signatureValid, true);
  });

  it('answers unauthorized for another issuer and malformedRequest for junk', async () => {
    const foreign = await ask(pki.wrongClient, pki.otherRoot);
    const junk = await exchange(responder.url, Buffer.from('not an OCSP request'));
    const error = (r: Reply) => verifyOcspResponse(r.body, pki.leaf.certDer, null).error;
    assert.equal(error(foreign), 'responseStatus unauthorized');
    assert.equal(error(junk), 'responseStatus malformedRequest');
  });

  it('serves the issuer at the AIA caIssuers URL of the leaf', async () => {
    const reply = await exchange(new URL('/ca/issuer.cer', responder.url).href, null);
    assert.equal(reply.type, 'application/pkix-cert');
    assert.deepEqual(reply.body, pki.intermediate.certDer);
  });

  it('satisfies openssl ocsp as a client', async () => {
    const { stdout, stderr } = await run('openssl', [
      'ocsp',
      '-issuer',
      files.intermediate!,
      '-cert',
      files.leaf!,
      '-url',
      responder.url,
      '-CAfile',
      files.ca!,
      '-no_nonce',
      '-timeout',
      '10',
    ]);
    assert.match(stderr + stdout, /Response verify OK/);
    assert.match(stdout, new RegExp(`^${files.leaf}: good$`, 'm'));
  });
});

describe('OCSP responder with a delegated signer', () => {
  it('signs with the delegated responder certificate', async (t) => {
    const pki = await createLabPki();
    const responder = await startOcspResponder({
      issuer: pki.intermediate,
      signer: pki.ocspResponder,
    });
    t.after(() => responder.close());
    const reply = await exchange(
      responder.url,
      buildOcspRequest(pki.leaf.certDer, pki.intermediate.certDer),
    );
    const verdict = verifyOcspResponse(reply.body, pki.leaf.certDer, pki.intermediate.certDer);
    assert.deepEqual(
      [verdict.certStatus, verdict.signer, verdict.delegationValid, verdict.signatureValid],
      ['good', 'delegated', true, true],
    );
  });
});

describe('OCSP responder in silent mode', () => {
  it('accepts the request, never answers, and still closes', { timeout: 10_000 }, async () => {
    const pki = await createLabPki();
    const responder = await startOcspResponder({ pki, mode: 'silent' });
    const request = buildOcspRequest(pki.leaf.certDer, pki.intermediate.certDer);
    const idle = new Promise<void>((resolve) => {
      // A second client that connects and stays open: close() must not wait for it.
      const socket = http.request(responder.url, { method: 'POST', agent: false });
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.write(request);
    });
    await assert.rejects(exchange(responder.url, request, 300), /timeout/);
    assert.equal(responder.requests >= 1, true);
    await responder.close();
    await idle;
  });
});
