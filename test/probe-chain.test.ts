/**
 * The chain part of the report against real servers: the certificates in the order the
 * server sent them (not Node's verified path), their fields, the Certificate message size,
 * and the findings for missing intermediate, wrong order, extra root, expiry, name and trust.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import type tls from 'node:tls';
import { type IssuedCert, issueCertificate } from '../src/pki/pki.js';
import { type ProbeOptions, probeOptions, runProbe } from '../src/probe.js';
import { prepareSetup, type SetupOptions } from '../src/probes/setup.js';
import type { Finding, Report } from '../src/report/model.js';
import { filePki, findingIds, probeLocal, startHttpsServer } from './support/fixtures.js';
import { startNginx } from './support/nginx.js';
import { startOpenSslServer } from './support/openssl-server.js';

const OCSP_URL = 'http://ocsp.tlsflight.test/';
/** The lab puts caIssuers next to the responder (src/pki/pki.ts). */
const CA_ISSUERS_URL = 'http://ocsp.tlsflight.test/ca/issuer.cer';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

const fx = await filePki(OCSP_URL);

/** A Node HTTPS server sending exactly `certs`, in that order, with the first one's key. */
async function serve(t: TestContext, certs: IssuedCert[], extra: tls.TlsOptions = {}) {
  const cert = certs.map((c) => c.certPem).join('');
  const server = await startHttpsServer(t, { cert, key: certs[0]!.keyPem, ...extra });
  return server.port;
}

/** Probes without the resumption round, which the chain does not need. */
function probe(
  port: number,
  overrides: Partial<ProbeOptions> = {},
  setup: Partial<SetupOptions> = {},
): Promise<Report> {
  return probeLocal(port, fx, { resumption: false, ...overrides }, setup);
}

const subjects = (r: Report) => r.chain!.certificates.map((c) => c.subject);
const chainFindings = (r: Report) => findingIds(r).filter((id) => id.startsWith('chain.'));
const findingOf = (r: Report, id: string): Finding | undefined =>
  r.findings.find((f) => f.id === id);

/**
 * RFC 8446 §4.4.2 / RFC 5246 §7.4.2: the message is a 4-byte header, (TLS 1.3) a 1-byte
 * context, a 3-byte list length, then per certificate a 3-byte length (+ TLS 1.3 2-byte
 * extensions length, empty here since none of these servers staples).
 */
function assertCertificateMessageBytes(r: Report): void {
  const perEntry = r.handshake!.version === 'TLSv1.3' ? 3 + 2 : 3;
  const header = r.handshake!.version === 'TLSv1.3' ? 4 + 1 + 3 : 4 + 3;
  const sum = r.chain!.certificates.reduce((n, c) => n + c.bytes + perEntry, header);
  assert.equal(r.chain!.certificateMessageBytes, sum);
}

const LEAF = 'CN=localhost';
const INTERMEDIATE = 'CN=tlsflight lab intermediate';
const ROOT = 'CN=tlsflight lab root';

describe('a complete chain sent in order', () => {
  test('every field of the leaf reads as issued', async (t) => {
    const { pki } = fx;
    const report = await probe(await serve(t, [pki.leaf, pki.intermediate]));
    const spki = new X509Certificate(pki.leaf.certDer).publicKey.export({
      type: 'spki',
      format: 'der',
    });

    assert.deepEqual(report.chain!.certificates[0], {
      index: 0,
      subject: LEAF,
      issuer: INTERMEDIATE,
      subjectAltNames: ['DNS:localhost', 'IP:127.0.0.1'],
      serialNumber: pki.leaf.spec.serialNumber!.toUpperCase(),
      notBefore: pki.leaf.spec.notBefore!.toISOString(),
      notAfter: pki.leaf.spec.notAfter!.toISOString(),
      key: { type: 'EC', bits: 256, curve: 'prime256v1' },
      signatureAlgorithm: 'ECDSA with SHA-256',
      sha256: createHash('sha256').update(pki.leaf.certDer).digest('hex'),
      spkiSha256: createHash('sha256').update(spki).digest('hex'),
      bytes: pki.leaf.certDer.length,
      isCA: false,
      selfSigned: false,
      ocspUrls: [OCSP_URL],
      caIssuerUrls: [CA_ISSUERS_URL],
      mustStaple: false,
      problems: [],
    });
    assert.equal(report.chain!.certificates[1]!.subject, INTERMEDIATE);
    assert.equal(report.chain!.certificates[1]!.isCA, true);
  });

  test('order ok, complete, trusted, 89 days left: one ok finding', async (t) => {
    const report = await probe(await serve(t, [fx.pki.leaf, fx.pki.intermediate]));
    const { certificates, certificateMessageBytes, ...flags } = report.chain!;

    assert.deepEqual(flags, {
      orderCorrect: true,
      complete: true,
      rootIncluded: false,
      hostnameMatches: true,
      trusted: true,
      trustError: null,
      // Issued for 90 days a moment ago.
      leafDaysLeft: 89,
    });
    assert.deepEqual(subjects(report), [LEAF, INTERMEDIATE]);
    assert.deepEqual(chainFindings(report), ['chain.ok']);
    assert.equal(findingOf(report, 'chain.ok')?.severity, 'ok');
  });

  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${maxVersion}: Certificate message bytes = certificates + framing`, async (t) => {
      const report = await probe(
        await serve(t, [fx.pki.leaf, fx.pki.intermediate], { maxVersion }),
      );

      assert.equal(report.handshake!.version, maxVersion);
      assertCertificateMessageBytes(report);
    });
  }
});

describe('chain faults', () => {
  test('missing intermediate: chain.incomplete names the AIA caIssuers URL', async (t) => {
    const report = await probe(await serve(t, [fx.pki.leaf]));
    const incomplete = findingOf(report, 'chain.incomplete');

    assert.deepEqual(subjects(report), [LEAF]);
    assert.equal(report.chain!.complete, false);
    assert.equal(report.chain!.trusted, false);
    assert.equal(report.chain!.trustError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal(incomplete?.severity, 'fail');
    assert.equal(incomplete?.detail?.caIssuers, CA_ISSUERS_URL);
    assert.ok(incomplete?.impact.includes(CA_ISSUERS_URL), incomplete?.impact);
    // One fault, one finding: the untrust it causes is not reported twice.
    assert.deepEqual(chainFindings(report), ['chain.incomplete']);
    assertCertificateMessageBytes(report);
  });

  test('[leaf, root, intermediate] is reported in that order, not as verified', async (t) => {
    const { pki } = fx;
    const report = await probe(await serve(t, [pki.leaf, pki.root, pki.intermediate]));

    assert.deepEqual(subjects(report), [LEAF, ROOT, INTERMEDIATE]);
    assert.equal(report.chain!.orderCorrect, false);
    // OpenSSL re-sorts what it was sent: the chain still verifies.
    assert.equal(report.chain!.trusted, true);
    assert.equal(report.chain!.complete, true);
    assert.deepEqual(chainFindings(report), ['chain.order', 'chain.extra-root']);
    assert.equal(findingOf(report, 'chain.order')?.severity, 'warn');
    assertCertificateMessageBytes(report);
  });

  test('an extra root: chain.extra-root with its bytes, order still correct', async (t) => {
    const { pki } = fx;
    const report = await probe(await serve(t, [pki.leaf, pki.intermediate, pki.root]));
    const extra = findingOf(report, 'chain.extra-root');

    assert.deepEqual(subjects(report), [LEAF, INTERMEDIATE, ROOT]);
    assert.equal(report.chain!.orderCorrect, true);
    assert.equal(report.chain!.rootIncluded, true);
    assert.equal(report.chain!.certificates[2]!.selfSigned, true);
    assert.equal(extra?.severity, 'info');
    assert.equal(extra?.detail?.bytes, pki.root.certDer.length);
    assert.deepEqual(chainFindings(report), ['chain.extra-root']);
    assertCertificateMessageBytes(report);
  });

  test('an expired leaf: chain.expired fail with its notAfter, days left negative', async (t) => {
    const { pki } = fx;
    const report = await probe(await serve(t, [pki.expiredLeaf, pki.intermediate]));
    const expired = findingOf(report, 'chain.expired');
    const notAfter = pki.expiredLeaf.spec.notAfter!.toISOString();

    assert.equal(expired?.severity, 'fail');
    assert.deepEqual(expired?.detail, { index: 0, notAfter });
    // Expired a day (and a moment) ago.
    assert.equal(report.chain!.leafDaysLeft, -1);
    assert.equal(report.chain!.trustError, 'CERT_HAS_EXPIRED');
    // Node's CERT_HAS_EXPIRED is the same fault: no second finding for it.
    assert.deepEqual(chainFindings(report), ['chain.expired']);
  });

  const dated = [
    {
      name: 'a leaf expiring in 5 days: chain.expiring warn',
      validity: { notAfter: new Date(Date.now() + 5 * DAY + HOUR) },
      id: 'chain.expiring',
      severity: 'warn',
    },
    {
      name: 'a leaf valid from tomorrow: chain.not-yet-valid fail, no second finding',
      validity: { notBefore: new Date(Date.now() + DAY) },
      id: 'chain.not-yet-valid',
      severity: 'fail',
    },
  ] as const;
  for (const row of dated) {
    test(row.name, async (t) => {
      const leaf = await issueCertificate({
        ...fx.pki.leaf.spec,
        serialNumber: undefined,
        ...row.validity,
      });
      const report = await probe(await serve(t, [leaf, fx.pki.intermediate]));

      assert.deepEqual(chainFindings(report), [row.id]);
      assert.equal(findingOf(report, row.id)?.severity, row.severity);
      if (row.id === 'chain.expiring') {
        assert.equal(report.chain!.leafDaysLeft, 5);
        assert.equal(findingOf(report, row.id)?.detail?.days, 5);
      }
    });
  }

  test('--sni with another name: hostname mismatch, the chain itself still trusted', async (t) => {
    const port = await serve(t, [fx.pki.leaf, fx.pki.intermediate]);
    const report = await probe(port, { sni: 'www.example.test' });
    const mismatch = findingOf(report, 'chain.hostname-mismatch');

    assert.equal(report.target.sni, 'www.example.test');
    assert.equal(report.chain!.hostnameMatches, false);
    assert.equal(report.chain!.trusted, true);
    assert.equal(mismatch?.severity, 'fail');
    assert.equal(mismatch?.detail?.hostname, 'www.example.test');
    assert.deepEqual(chainFindings(report), ['chain.hostname-mismatch']);
  });

  test('an IP literal target without SNI is checked against the IP SANs', async (t) => {
    const port = await serve(t, [fx.pki.leaf, fx.pki.intermediate]);
    const options = probeOptions({ host: '127.0.0.1', port }, { alpn: [], resumption: false });
    const report = await runProbe(
      options,
      prepareSetup({ caFiles: [fx.files.ca!], credentials: [] }),
    );

    assert.equal(report.target.sni, null);
    assert.equal(report.chain!.hostnameMatches, true);
    assert.deepEqual(chainFindings(report), ['chain.ok']);
  });

  test('without --ca the lab chain is untrusted, not "missing an intermediate"', async (t) => {
    const port = await serve(t, [fx.pki.leaf, fx.pki.intermediate]);
    const report = await probe(port, {}, { caFiles: [] });
    const untrusted = findingOf(report, 'chain.untrusted');

    assert.equal(report.chain!.complete, true);
    assert.equal(report.chain!.trusted, false);
    assert.equal(report.chain!.trustError, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    assert.equal(untrusted?.severity, 'fail');
    assert.equal(untrusted?.detail?.error, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    assert.deepEqual(chainFindings(report), ['chain.untrusted']);
  });

  test('without --ca, a chain ending in its own root: untrusted plus extra root', async (t) => {
    const { pki } = fx;
    const port = await serve(t, [pki.leaf, pki.intermediate, pki.root]);
    const report = await probe(port, {}, { caFiles: [] });

    assert.equal(report.chain!.trustError, 'SELF_SIGNED_CERT_IN_CHAIN');
    assert.deepEqual(chainFindings(report), ['chain.extra-root', 'chain.untrusted']);
  });
});

describe('chain as sent by third-party servers', () => {
  test('openssl s_server -cert_chain [root, intermediate]: the order it sent', async (t) => {
    const wrongOrder = path.join(fx.dir, 'root-then-intermediate.pem');
    await writeFile(wrongOrder, fx.pki.root.certPem + fx.pki.intermediate.certPem);
    const f = fx.files;
    const server = await startOpenSslServer([
      '-cert',
      f.leaf!,
      '-key',
      f.leafKey!,
      '-cert_chain',
      wrongOrder,
      '-www',
    ]);
    t.after(() => server.close());

    const report = await probe(server.port);

    assert.deepEqual(subjects(report), [LEAF, ROOT, INTERMEDIATE]);
    assert.deepEqual(chainFindings(report), ['chain.order', 'chain.extra-root']);
    assertCertificateMessageBytes(report);
  });

  test('nginx with the leaf alone: chain.incomplete', async (t) => {
    if (!existsSync('/usr/sbin/nginx')) return t.skip('nginx not installed');
    const nginx = await startNginx({ cert: fx.files.leaf!, key: fx.files.leafKey! });
    t.after(() => nginx.close());

    const report = await probe(nginx.port);

    assert.deepEqual(subjects(report), [LEAF]);
    assert.deepEqual(chainFindings(report), ['chain.incomplete']);
    assertCertificateMessageBytes(report);
  });

  test('nginx with [intermediate, root] after the leaf: chain.extra-root', async (t) => {
    if (!existsSync('/usr/sbin/nginx')) return t.skip('nginx not installed');
    const chain = path.join(fx.dir, 'intermediate-root.pem');
    await writeFile(chain, fx.pki.intermediate.certPem + fx.pki.root.certPem);
    const nginx = await startNginx({ cert: fx.files.leaf!, key: fx.files.leafKey!, chain });
    t.after(() => nginx.close());

    const report = await probe(nginx.port);

    assert.deepEqual(subjects(report), [LEAF, INTERMEDIATE, ROOT]);
    assert.deepEqual(chainFindings(report), ['chain.extra-root']);
  });
});
