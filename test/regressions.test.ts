/** Faults found by trying tlsflight as a new user would, each pinned by what a user reads. */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import {
  findingIds,
  pkiFixture,
  probeLocal,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';

const fx = await pkiFixture({ after: (fn) => after(() => fn()) });

/** An HTTP/2 server (ALPN h2) that requires a client certificate from clientRoot. */
async function h2MutualTls(t: { after(fn: () => unknown): void }): Promise<number> {
  const server = http2.createSecureServer({
    ...serverIdentity(fx.pki),
    requestCert: true,
    rejectUnauthorized: true,
    ca: fx.pki.clientRoot.certPem,
  });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

describe('regressions', () => {
  test(
    'an h2 server closing after refusing a ' + 'TLS 1.3 client certificate is a rejection',
    async (t) => {
      const port = await h2MutualTls(t);
      const report = await probeLocal(
        port,
        fx,
        { alpn: ['h2'] },
        { credentials: [{ cert: fx.files.wrongClient, key: fx.files.wrongClientKey }] },
      );
      const verdict = report.clientAuth?.offered[0];
      assert.equal(verdict?.verdict, 'rejected');
      assert.equal(verdict?.where, 'closed-before-response');
      assert.ok(findingIds(report).includes('client-auth.rejected'));
      assert.ok(
        !findingIds(report).includes('resumption.no-ticket'),
        findingIds(report).join(', '),
      );
    },
  );

  test('the same h2 server accepts the right certificate over h2', async (t) => {
    const port = await h2MutualTls(t);
    const report = await probeLocal(
      port,
      fx,
      { alpn: ['h2'] },
      { credentials: [{ cert: fx.files.client, key: fx.files.clientKey }] },
    );
    assert.equal(report.clientAuth?.offered[0]?.verdict, 'accepted');
    assert.equal(report.http?.protocol, 'h2');
    assert.equal(report.http?.status, 200);
  });

  test('a handshake refused before any certificate has no staple finding', async (t) => {
    const server = await startHttpsServer(t, { ...serverIdentity(fx.pki), ALPNProtocols: ['h2'] });
    const report = await probeLocal(server.port, fx, { alpn: ['foo'] });
    assert.ok(findingIds(report).includes('handshake.failed'));
    assert.equal(report.stapling, null);
    assert.ok(
      !findingIds(report).some((id) => id.startsWith('stapling.')),
      findingIds(report).join(', '),
    );
  });
});
