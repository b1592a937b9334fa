/**
 * Client certificate rotation, the two-trust window: a real server on 127.0.0.1 whose trusted
 * client CAs are rotated in place (as a reload would), probed with an old and a new client
 * certificate from two issuers.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { assessRotation } from '../src/advice/rotation.js';
import { notBeforeFromFiles } from '../src/commands/client-cert-dates.js';
import { type IssuedCert, issueCertificate } from '../src/pki/pki.js';
import {
  filePki,
  fileScope,
  type PkiFixture,
  probeLocal,
  type RunningServer,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';

const DAY = 86_400_000;
let fx: PkiFixture;
let server: RunningServer;
const files: Record<string, { cert: string; key: string; issued: IssuedCert }> = {};

async function clientCert(name: string, issuer: IssuedCert, notBefore: Date, notAfter: Date) {
  const issued = await issueCertificate({
    commonName: name,
    issuer,
    extKeyUsage: ['clientAuth'],
    notBefore,
    notAfter,
  });
  const cert = path.join(fx.dir, `${name}.pem`);
  const key = path.join(fx.dir, `${name}-key.pem`);
  await writeFile(cert, issued.certPem);
  await writeFile(key, issued.keyPem);
  files[name] = { cert, key, issued };
}

/** Trust exactly these client CAs from now on (a reload of the terminator). */
function trustClientCas(...cas: IssuedCert[]): void {
  server.server.setSecureContext({ ...serverIdentity(fx.pki), ca: cas.map((c) => c.certPem) });
}

/** Probes offering the named client certificates, in this order. */
function probeWith(...names: string[]) {
  const credentials = names.map((n) => ({ cert: files[n]!.cert, key: files[n]!.key }));
  return probeLocal(server.port, fx, { resumption: false }, { credentials });
}

// Set up at module level: an `after` registered inside `before` would run before the tests.
fx = await filePki();
{
  const now = Date.now();
  await Promise.all([
    clientCert('svc-old', fx.pki.clientRoot, new Date(now - DAY), new Date(now + 10 * DAY)),
    clientCert('svc-new', fx.pki.clientRoot2, new Date(now - DAY), new Date(now + 90 * DAY)),
    clientCert('svc-old-soon', fx.pki.clientRoot, new Date(now - DAY), new Date(now + 2 * DAY)),
    clientCert(
      'svc-new-later',
      fx.pki.clientRoot2,
      new Date(now + 5 * DAY),
      new Date(now + 95 * DAY),
    ),
  ]);
}
server = await startHttpsServer(fileScope, {
  ...serverIdentity(fx.pki),
  requestCert: true,
  rejectUnauthorized: true,
  ca: [fx.pki.clientRoot.certPem],
});

describe('client certificate rotation: the two-trust window', () => {
  it(
    'only the old issuer trusted: "rotation not ' + 'ready", the new certificate named as rejected',
    async () => {
      trustClientCas(fx.pki.clientRoot);
      // The new certificate is given first: old and new are told apart by notAfter, not flag order.
      const r = assessRotation(await probeWith('svc-new', 'svc-old'))!;
      assert.equal(r.state, 'not-ready');
      assert.deepEqual(
        [r.old.subject, r.old.verdict, r.new.subject, r.new.verdict],
        ['CN=svc-old', 'accepted', 'CN=svc-new', 'rejected'],
      );
      const f = r.findings[0]!;
      assert.deepEqual([f.id, f.severity], ['rotation.not-ready', 'warn']);
      assert.match(
        f.title,
        /^Rotation not ready: the new client certificate CN=svc-new is rejected/,
      );
      assert.match(f.title, /its issuer is not among the CA names the server lists/);
    },
  );

  it('both issuers trusted: the window is open, old accepted and new accepted', async () => {
    trustClientCas(fx.pki.clientRoot, fx.pki.clientRoot2);
    const r = assessRotation(await probeWith('svc-old', 'svc-new'))!;
    assert.equal(r.state, 'ready');
    assert.deepEqual([r.old.verdict, r.new.verdict], ['accepted', 'accepted']);
    assert.equal(r.gap, false);
    assert.deepEqual(
      r.findings.map((f) => [f.id, f.severity]),
      [['rotation.window-open', 'ok']],
    );
  });

  it('only the new issuer trusted: the old certificate is retired', async () => {
    trustClientCas(fx.pki.clientRoot2);
    const r = assessRotation(await probeWith('svc-old', 'svc-new'))!;
    assert.equal(r.state, 'retired');
    assert.equal(r.findings[0]!.id, 'rotation.old-retired');
  });

  it(
    'old expires (in 2 days) before the new one becomes valid (in 5): a gap warning with both ' +
      'dates',
    async () => {
      trustClientCas(fx.pki.clientRoot, fx.pki.clientRoot2);
      const report = await probeWith('svc-old-soon', 'svc-new-later');
      const lookup = notBeforeFromFiles([
        files['svc-old-soon']!.cert,
        files['svc-new-later']!.cert,
      ]);
      const r = assessRotation(report, { notBeforeOf: lookup })!;
      const newNotBefore = files['svc-new-later']!.issued.spec.notBefore!.toISOString();
      assert.equal(r.state, 'not-ready', 'a not-yet-valid certificate is refused');
      assert.equal(r.windowOpens, newNotBefore);
      assert.equal(r.gap, true);
      const gap = r.findings.find((f) => f.id === 'rotation.gap')!;
      assert.equal(gap.severity, 'warn');
      assert.match(
        gap.title,
        new RegExp(
          `expires on ${report.clientAuth!.offered[0]!.notAfter.slice(0, 10)}, before the ` +
            `two-trust window opens \\(${newNotBefore.slice(0, 10)}\\)`,
        ),
      );
    },
  );

  it(
    'a saved report without the certificate files: the window opens no earlier than the ' +
      'report',
    async () => {
      const report = await probeWith('svc-old-soon', 'svc-new-later');
      const r = assessRotation(report)!;
      assert.equal(r.new.notBefore, null);
      assert.equal(r.windowOpens, new Date(report.startedAt).toISOString());
      assert.equal(r.gap, false, 'the old one is still valid at report time');
    },
  );

  it('one client certificate is no rotation', async () => {
    assert.equal(assessRotation(await probeWith('svc-old')), null);
  });
});
