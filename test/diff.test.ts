/**
 * `diffReports` on pairs of reports from real servers on 127.0.0.1, probed before and after
 * each kind of rotation. Each server is rotated in place (`setSecureContext`, as a reload
 * would), so both reports describe the same host and port.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type tls from 'node:tls';
import { diffReports } from '../src/diff/diff.js';
import { renderDiffMarkdown, renderDiffText } from '../src/diff/render.js';
import type { Change } from '../src/diff/types.js';
import { buildOcspResponse } from '../src/pki/ocsp-response.js';
import { type IssuedCert, issueCertificate, reuseKeyCertificate } from '../src/pki/pki.js';
import type { Report } from '../src/report/model.js';
import { altered, rotateTicketKeysPerConnection } from './support/advice.js';
import {
  filePki,
  probeLocal,
  type RunningServer,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';

// The OCSP URL is never contacted; it gives the leaves a responder to staple for.
const fx = await filePki('http://127.0.0.1:9/ocsp');

const classes = (changes: Change[]) => changes.map((c) => c.class);
const of = (changes: Change[], cls: Change['class']) => changes.filter((c) => c.class === cls);

/** Leaf + intermediate(s) of `leaf` as server options. */
const identity = (leaf: IssuedCert, ...chain: IssuedCert[]): tls.SecureContextOptions => ({
  cert: leaf.certPem + chain.map((c) => c.certPem).join(''),
  key: leaf.keyPem,
});

/** A fresh leaf like the lab's, with a new key and serial. */
const newKeyLeaf = () => issueCertificate({ ...fx.pki.leaf.spec, serialNumber: undefined });

/** Probes `server`, applies `rotate`, probes again; returns the diff and both reports. */
async function beforeAfter(
  server: RunningServer,
  rotate: () => void | Promise<void>,
  setup: Parameters<typeof probeLocal>[3] = {},
) {
  const old = await probeLocal(server.port, fx, {}, setup);
  await rotate();
  const now = await probeLocal(server.port, fx, {}, setup);
  return { diff: diffReports(old, now), old, now };
}

const start = (t: TestContext, options: tls.TlsOptions = {}) =>
  startHttpsServer(t, { ...serverIdentity(fx.pki), ...options });

describe('diff: the rotation matrix on real before/after pairs', () => {
  it('leaf replaced, same key: one change, nothing for clients to do', async (t) => {
    const server = await start(t);
    const leaf = await reuseKeyCertificate(fx.pki.leaf, {});
    const { diff } = await beforeAfter(server, () =>
      server.server.setSecureContext(identity(leaf, fx.pki.intermediate)),
    );
    assert.deepEqual(classes(diff.changes), ['leaf-same-key']);
    assert.match(diff.changes[0]!.title, /^Leaf replaced with the same key \(serial /);
    assert.equal(diff.changes[0]!.severity, 'info');
  });

  it(
    'leaf and key replaced, tickets still accepted: resumption shown before and after, no ' +
      'warning',
    async (t) => {
      const server = await start(t);
      const leaf = await newKeyLeaf();
      const { diff } = await beforeAfter(server, () =>
        server.server.setSecureContext(identity(leaf, fx.pki.intermediate)),
      );
      const [c] = of(diff.changes, 'leaf-new-key');
      assert.ok(c, JSON.stringify(classes(diff.changes)));
      assert.match(c.title, /resumption before: resumed \(psk\), after: resumed \(psk\)\.$/);
      assert.equal(c.severity, 'info');
      assert.deepEqual(diff.diagnoses, []);
    },
  );

  it(
    'leaf and key replaced with ticket keys regenerated: resumption drop and the FAQ ' +
      'diagnosis',
    async (t) => {
      const server = await start(t);
      const leaf = await newKeyLeaf();
      const { diff } = await beforeAfter(server, () => {
        server.server.setSecureContext(identity(leaf, fx.pki.intermediate));
        rotateTicketKeysPerConnection(server.server);
      });
      const [c] = of(diff.changes, 'leaf-new-key');
      assert.match(c!.title, /resumption before: resumed \(psk\), after: not resumed\.$/);
      assert.equal(c!.severity, 'warn');
      assert.ok(classes(diff.changes).includes('resumption'));
      assert.equal(diff.diagnoses[0]?.id, 'faq.resumption-dropped-after-cert-change');
      assert.match(diff.diagnoses[0]!.text, /tickets are still issued but no longer accepted/);
    },
  );

  it('new intermediate: the issuer change is named', async (t) => {
    const server = await start(t);
    const intermediate2 = await issueCertificate({
      commonName: 'tlsflight lab intermediate 2',
      issuer: fx.pki.root,
      isCA: true,
      pathLength: 0,
    });
    const leaf = await issueCertificate({
      ...fx.pki.leaf.spec,
      serialNumber: undefined,
      issuer: intermediate2,
    });
    const { diff } = await beforeAfter(server, () =>
      server.server.setSecureContext(identity(leaf, intermediate2)),
    );
    const [c] = of(diff.changes, 'intermediate-swapped');
    assert.equal(
      c?.title,
      "Intermediate swapped: the leaf's issuer changed from CN=tlsflight lab intermediate to " +
        'CN=tlsflight lab intermediate 2.',
    );
    assert.equal(c!.severity, 'warn');
    assert.ok(classes(diff.changes).includes('leaf-new-key'));
  });

  it('intermediate cross-signed (same name and key, another root): both roots named', async (t) => {
    const server = await start(t);
    const cross = await reuseKeyCertificate(fx.pki.intermediate, { issuer: fx.pki.otherRoot });
    const trustBoth = { caFiles: [fx.files.ca!, fx.files.otherRoot!] };
    const { diff, now } = await beforeAfter(
      server,
      () => server.server.setSecureContext(identity(fx.pki.leaf, cross)),
      trustBoth,
    );
    assert.equal(now.chain?.trusted, true);
    assert.deepEqual(classes(diff.changes), ['intermediate-cross-signed']);
    assert.equal(
      diff.changes[0]!.title,
      'Intermediate CN=tlsflight lab intermediate is now issued by CN=tlsflight unrelated root ' +
        '(was CN=tlsflight lab root): same name and key, cross-signed.',
    );
  });

  it('root appended to the chain: length and bytes changed', async (t) => {
    const server = await start(t);
    const { diff, old, now } = await beforeAfter(server, () =>
      server.server.setSecureContext(identity(fx.pki.leaf, fx.pki.intermediate, fx.pki.root)),
    );
    const [c] = of(diff.changes, 'chain-size');
    const bytes = (r: Report) => r.chain!.certificates.reduce((n, c) => n + c.bytes, 0);
    const [b1, b2] = [bytes(old), bytes(now)];
    assert.equal(c?.title, `Chain 2 → 3 certificates, ${b1} → ${b2} B.`);
    assert.match(
      c!.impact,
      /B more per full handshake; no round trip changes while under ~14.6 KB/,
    );
  });

  it('client CA rotation with two issuers: CA added then removed, verdicts follow', async (t) => {
    const server = await start(t, {
      requestCert: true,
      rejectUnauthorized: true,
      ca: [fx.pki.clientRoot.certPem],
    });
    const creds = {
      credentials: [
        { cert: fx.files.client!, key: fx.files.clientKey! },
        { cert: fx.files.client2!, key: fx.files.client2Key! },
      ],
    };
    const probe = () => probeLocal(server.port, fx, { resumption: false }, creds);
    const trust = (...cas: IssuedCert[]) =>
      server.server.setSecureContext({ ...serverIdentity(fx.pki), ca: cas.map((c) => c.certPem) });
    const first = await probe();
    trust(fx.pki.clientRoot, fx.pki.clientRoot2);
    const both = await probe();
    trust(fx.pki.clientRoot2);
    const last = await probe();

    const opened = diffReports(first, both);
    assert.deepEqual(classes(opened.changes), ['client-auth-cas', 'client-cert-verdict']);
    assert.equal(opened.changes[0]!.title, 'Client CA list added CN=tlsflight client CA 2.');
    assert.equal(
      opened.changes[1]!.title,
      'Client certificate CN=tlsflight client 2: rejected → accepted.',
    );

    const closed = diffReports(both, last);
    assert.equal(closed.changes[0]!.title, 'Client CA list removed CN=tlsflight client CA 1.');
    assert.equal(closed.changes[0]!.severity, 'warn');
    assert.deepEqual(
      [closed.changes[1]!.title, closed.changes[1]!.severity],
      ['Client certificate CN=tlsflight client 1: accepted → rejected.', 'fail'],
    );
  });

  it('staple source, freshness and presence changes', async (t) => {
    const server = await start(t);
    const byIssuer = (thisUpdate: Date) =>
      buildOcspResponse({
        leaf: fx.pki.leaf,
        issuer: fx.pki.intermediate,
        signer: fx.pki.intermediate,
        thisUpdate,
      });
    let staple: Buffer | null = byIssuer(new Date(Date.now() - 2 * 3600_000));
    server.server.on('OCSPRequest', (_c, _i, cb) => cb(null, staple ?? Buffer.alloc(0)));
    const stale = await probeLocal(server.port, fx);
    staple = byIssuer(new Date());
    const fresh = await probeLocal(server.port, fx);
    staple = buildOcspResponse({
      leaf: fx.pki.leaf,
      issuer: fx.pki.intermediate,
      signer: fx.pki.ocspResponder,
    });
    const delegated = await probeLocal(server.port, fx);
    staple = null;
    const none = await probeLocal(server.port, fx);

    assert.match(diffReports(stale, fresh).changes[0]!.title, /^Staple refreshed: thisUpdate /);
    const source = of(diffReports(fresh, delegated).changes, 'staple').map((c) => c.title);
    assert.ok(
      source.includes('Staple source changed: signer issuer → delegated.'),
      JSON.stringify(source),
    );
    const gone = diffReports(delegated, none).changes;
    assert.deepEqual([gone[0]!.title, gone[0]!.severity], ['Staple good → missing.', 'warn']);
  });

  it('ticket lifetime hint shortened to 5 minutes', async (t) => {
    const server = await start(t);
    const { diff } = await beforeAfter(server, () =>
      server.server.setSecureContext({ ...serverIdentity(fx.pki), sessionTimeout: 300 }),
    );
    assert.deepEqual(
      diff.changes.map((c) => [c.class, c.title, c.severity]),
      [['ticket-lifetime', 'Ticket lifetime hint 7200 s → 300 s.', 'warn']],
    );
  });

  it('TLS version capped at 1.2: one more round trip per new connection', async (t) => {
    const server = await start(t);
    const { diff } = await beforeAfter(server, () =>
      server.server.setSecureContext({ ...serverIdentity(fx.pki), maxVersion: 'TLSv1.2' }),
    );
    const [c] = of(diff.changes, 'version');
    assert.deepEqual(
      [c?.title, c?.severity, c?.impact],
      ['TLS version TLSv1.3 → TLSv1.2.', 'warn', 'One more round trip on every new connection.'],
    );
  });

  it('server groups without X25519: the group change and its HelloRetryRequest', async (t) => {
    const server = await start(t);
    const { diff } = await beforeAfter(server, () =>
      server.server.setSecureContext({ ...serverIdentity(fx.pki), ecdhCurve: 'P-256' }),
    );
    const [c] = of(diff.changes, 'group');
    assert.deepEqual(
      [c?.title, c?.severity],
      ['Key exchange X25519 → P-256 after HelloRetryRequest.', 'warn'],
    );
  });

  it('no rotation, no change', async (t) => {
    const server = await start(t);
    const { diff } = await beforeAfter(server, () => {});
    assert.deepEqual(diff.changes, []);
    assert.match(renderDiffText(diff), /No change in the rows of the rotation matrix\./);
  });
});

describe('diff: derived reports and output', () => {
  let base: Report;

  it(
    'derived: ALPN h2 → http/1.1 is a warning ' + '(parallel requests need more handshakes)',
    async (t) => {
      base ??= await probeLocal((await start(t)).port, fx);
      const a = altered(base, (r) => {
        r.handshake!.alpn = 'h2';
      });
      const b = altered(base, (r) => {
        r.handshake!.alpn = 'http/1.1';
      });
      const [c] = diffReports(a, b).changes;
      const want = ['alpn', 'ALPN h2 → http/1.1.', 'warn'];
      assert.deepEqual([c?.class, c?.title, c?.severity], want);
    },
  );

  it('refuses a report of another major version, naming which one', async (t) => {
    base ??= await probeLocal((await start(t)).port, fx);
    const future = altered(base, (r) => {
      r.reportVersion = '2.0';
    });
    assert.throws(() => diffReports(base, future), {
      code: 'BAD_REPORT',
      message: /^new report: reportVersion "2.0" is not supported/,
    });
  });

  it('Markdown: one table row per change with impact and mitigation', async (t) => {
    base ??= await probeLocal((await start(t)).port, fx);
    const b = altered(base, (r) => {
      r.handshake!.version = 'TLSv1.2';
    });
    const md = renderDiffMarkdown(diffReports(base, b));
    assert.match(md, /^### tlsflight diff: `localhost:\d+`/);
    assert.match(
      md,
      new RegExp(
        /\| ⚠️ \| TLS version changed \| TLS version TLSv1\.3 → TLSv1\.2\. \| /.source +
          /One more round trip on every new connection\. \| Re-enable TLS 1\.3 on the /.source +
          /terminator\. \|/.source,
      ),
    );
  });
});
