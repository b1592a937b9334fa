/**
 * Mutual TLS against real servers (Node tls, openssl s_server, nginx) on 127.0.0.1, under
 * TLS 1.2 and 1.3: whether a certificate is asked for, which CA names are listed (checked
 * against openssl s_client), and where a refusal shows: an alert in or after the handshake,
 * a close before the response, or nginx's HTTP 400.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import type tls from 'node:tls';
import { exportPkcs12 } from '../src/pki/pki.js';
import type { CredentialSpec } from '../src/probes/credentials.js';
import type { ClientAuthInfo, ClientCertVerdict, Report } from '../src/report/model.js';
import {
  filePki,
  findingIds,
  probeLocal,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';
import { type NginxOptions, startNginx } from './support/nginx.js';
import { runOpenSslClient, startOpenSslServer } from './support/openssl-server.js';

const fx = await filePki();

const CA1 = 'CN=tlsflight client CA 1';
const CA2 = 'CN=tlsflight client CA 2';
const VERSIONS = ['1.2', '1.3'] as const;
type Version = (typeof VERSIONS)[number];
type Cred = 'client' | 'client2' | 'wrong';
/** Expected [verdict, where, alert] of the offered certificate. */
type Want = [string, string | null, string | null];
/** Expected [description, afterHandshake] of the server's alert. */
type Alert = [string, boolean];
/** Expected [verdict, where, httpStatus] of the offered certificate at nginx. */
type NginxWant = [string, string | null, number | null];

/** PEM credentials of the lab's client certificates. */
const creds = {
  client: (): CredentialSpec => ({ cert: fx.files.client!, key: fx.files.clientKey! }),
  client2: (): CredentialSpec => ({ cert: fx.files.client2!, key: fx.files.client2Key! }),
  wrong: (): CredentialSpec => ({ cert: fx.files.wrongClient!, key: fx.files.wrongClientKey! }),
};

/** Node server options: `mode` maps to requestCert / rejectUnauthorized; Node lists `ca`. */
function nodeServer(mode: 'none' | 'optional' | 'required', v: Version, bothCas = false) {
  const version: tls.SecureVersion = v === '1.2' ? 'TLSv1.2' : 'TLSv1.3';
  const second = bothCas ? [fx.pki.clientRoot2.certPem] : [];
  return {
    ...serverIdentity(fx.pki),
    maxVersion: version,
    requestCert: mode !== 'none',
    rejectUnauthorized: mode === 'required',
    ca: [fx.pki.clientRoot.certPem, ...second],
  };
}

/** Probes with the given credentials, pinning the version. */
function probe(port: number, v: Version, credentials: CredentialSpec[] = []) {
  return probeLocal(port, fx, {}, { tlsVersion: v, credentials });
}

function clientAuthOf(report: Report): ClientAuthInfo {
  assert.equal(report.connectionError, null);
  assert.ok(report.clientAuth, 'the report has a client-auth section');
  return report.clientAuth;
}

/** The fields of a verdict a user reads first. */
function brief(v: ClientCertVerdict | undefined) {
  return (
    v && {
      subject: v.subject,
      verdict: v.verdict,
      where: v.where,
      alert: v.alert,
      httpStatus: v.httpStatus,
      issuerListed: v.issuerListed,
    }
  );
}

/**
 * The server's readable alert, if any: close_notify is no verdict, and TLS 1.2 alerts after
 * ChangeCipherSpec are encrypted (the capture cannot read them).
 */
function serverAlert(report: Report) {
  const skip = ['close_notify', 'encrypted'];
  return report.handshake?.alerts.find((a) => a.from === 'server' && !skip.includes(a.description));
}

/** openssl s_client's "Acceptable client certificate CA names", as RFC 4514 strings. */
async function opensslCaNames(port: number, v: Version, cred?: CredentialSpec): Promise<string[]> {
  const args = ['-connect', `127.0.0.1:${port}`, '-servername', 'localhost'];
  args.push(
    `-tls${v.replace('.', '_')}`,
    ...(cred ? ['-cert', cred.cert!, '-key', cred.key!] : []),
  );
  const out = await runOpenSslClient(args, 'GET / HTTP/1.0\r\n\r\n');
  const heading =
    /^Acceptable client certificate CA names\n((?:.+\n)*?)(?=Requested|Client Cert|---)/m;
  const block = heading.exec(out.stdout);
  assert.ok(block, `s_client listed CA names:\n${out.stdout}`);
  // s_client prints one name per line in its "CN = value" form.
  const lines = block[1]!.trim().split('\n');
  return lines.map((line) => line.replace(/ = /g, '=').replace(/, /g, ','));
}

/** The verdict on the lab's good client certificate when the server takes it. */
const CLIENT1_ACCEPTED = {
  subject: 'CN=tlsflight client 1',
  verdict: 'accepted',
  where: null,
  alert: null,
  httpStatus: 200,
  issuerListed: true,
};

describe('Node servers, TLS 1.2 and 1.3', () => {
  for (const v of VERSIONS) {
    test(`TLS ${v}: no CertificateRequest when requestCert is off`, async (t) => {
      const { port } = await startHttpsServer(t, nodeServer('none', v));
      const c = clientAuthOf(await probe(port, v));
      assert.deepEqual(
        {
          requested: c.certificateRequested,
          mode: c.mode,
          without: c.withoutCertificate,
          cas: c.acceptableCAs,
        },
        { requested: false, mode: 'none', without: 'not-requested', cas: [] },
      );
    });

    test(`TLS ${v}: optional: asked for, completed without one`, async (t) => {
      const { port } = await startHttpsServer(t, nodeServer('optional', v));
      const report = await probe(port, v);
      const c = clientAuthOf(report);
      assert.deepEqual(
        [c.mode, c.withoutCertificate, c.acceptableCAs],
        ['optional', 'completed', [CA1]],
      );
      assert.ok(c.signatureAlgorithms.includes('ecdsa_secp256r1_sha256'));
      assert.equal(report.http?.status, 200);
      assert.ok(findingIds(report).includes('client-auth.optional'));
    });

    test(
      `TLS ${v}: required, none sent: refused ${v === '1.3' ? 'after' : 'during'} the ` +
        `handshake`,
      async (t) => {
        const { port } = await startHttpsServer(t, nodeServer('required', v));
        const report = await probe(port, v);
        const c = clientAuthOf(report);
        assert.deepEqual(
          [c.mode, c.withoutCertificate, c.acceptableCAs],
          ['required', 'rejected', [CA1]],
        );
        assert.equal(report.http?.status ?? null, null);

        const alert = serverAlert(report);
        const f = report.findings.find((x) => x.id === 'client-auth.required');
        if (v === '1.3') {
          // RFC 8446 §4.4.2.4: certificate_required, after the client's handshake completed.
          assert.deepEqual(
            [alert?.description, alert?.afterHandshake],
            ['certificate_required', true],
          );
          assert.equal(f?.detail?.alert, 'certificate_required');
          assert.match(f?.title ?? '', /after the handshake looked complete/);
        } else {
          assert.deepEqual(
            [alert?.description, alert?.afterHandshake],
            ['handshake_failure', false],
          );
          assert.equal(f?.detail?.alert, 'handshake_failure');
        }
      },
    );

    test(`TLS ${v}: required, the right certificate is accepted`, async (t) => {
      const { port } = await startHttpsServer(t, nodeServer('required', v));
      const report = await probe(port, v, [creds.client()]);
      const c = clientAuthOf(report);
      assert.deepEqual([c.mode, c.withoutCertificate], ['required', 'rejected']);
      assert.deepEqual(brief(c.offered[0]), CLIENT1_ACCEPTED);
      assert.equal(c.offered[0]?.source, fx.files.client);
      assert.ok(findingIds(report).includes('client-auth.accepted'));
      assert.ok(!findingIds(report).includes('client-auth.rejected'));
    });

    test(
      `TLS ${v}: required, a certificate from another CA: Node closes without an ` + `alert`,
      async (t) => {
        const { port } = await startHttpsServer(t, nodeServer('required', v));
        const report = await probe(port, v, [creds.wrong()]);
        const c = clientAuthOf(report);
        assert.deepEqual(brief(c.offered[0]), {
          subject: 'CN=tlsflight stray client',
          verdict: 'rejected',
          where: 'closed-before-response',
          alert: null,
          httpStatus: null,
          issuerListed: false,
        });
        const ids = findingIds(report);
        assert.ok(
          ids.includes('client-auth.rejected') && ids.includes('client-auth.issuer-not-listed'),
        );
        assert.equal(
          report.findings.find((f) => f.id === 'client-auth.rejected')?.severity,
          'fail',
        );
      },
    );
  }

  test('PKCS#12 with --pfx and --passphrase-file is accepted', async (t) => {
    const pfx = path.join(fx.dir, 'client.p12');
    const passFile = path.join(fx.dir, 'client.pass');
    await exportPkcs12({
      certPem: fx.pki.client.certPem,
      keyPem: fx.pki.client.keyPem,
      passphrase: 'pfx secret',
      outPath: pfx,
    });
    await writeFile(passFile, 'pfx secret\n');
    const { port } = await startHttpsServer(t, nodeServer('required', '1.3'));
    const c = clientAuthOf(await probe(port, '1.3', [{ pfx, passphraseFile: passFile }]));
    assert.deepEqual(brief(c.offered[0]), CLIENT1_ACCEPTED);
    assert.equal(c.offered[0]?.source, pfx);
  });

  test(
    'rotation: two certificates, only the first ' + 'CA trusted: first accepted, second rejected',
    async (t) => {
      const { port } = await startHttpsServer(t, nodeServer('required', '1.3'));
      const c = clientAuthOf(await probe(port, '1.3', [creds.client(), creds.client2()]));
      assert.deepEqual(
        c.offered.map((o) => [o.subject, o.verdict, o.issuerListed]),
        [
          ['CN=tlsflight client 1', 'accepted', true],
          ['CN=tlsflight client 2', 'rejected', false],
        ],
      );
    },
  );

  test('rotation: both CAs trusted: both listed, both certificates accepted', async (t) => {
    const { port } = await startHttpsServer(t, nodeServer('required', '1.3', true));
    const c = clientAuthOf(await probe(port, '1.3', [creds.client(), creds.client2()]));
    assert.deepEqual(c.acceptableCAs, [CA1, CA2]);
    assert.deepEqual(
      c.offered.map((o) => o.verdict),
      ['accepted', 'accepted'],
    );
    assert.deepEqual(await opensslCaNames(port, '1.3', creds.client()), c.acceptableCAs);
  });
});

describe('refusals leave the rest of the report alone', () => {
  test(
    'TLS 1.2, required, none sent: the chain ' + 'is trusted and the handshake is not failed',
    async (t) => {
      const { port } = await startHttpsServer(t, nodeServer('required', '1.2'));
      const report = await probe(port, '1.2');
      assert.equal(clientAuthOf(report).withoutCertificate, 'rejected');
      assert.equal(report.chain?.trusted, true);
      assert.ok(!findingIds(report).includes('chain.untrusted'), findingIds(report).join(', '));
      assert.ok(!findingIds(report).includes('handshake.failed'), findingIds(report).join(', '));
      assert.ok(findingIds(report).includes('client-auth.required'));
    },
  );

  test(
    'TLS 1.3, a rejected certificate: no ' + 'resumption verdict from the refused connection',
    async (t) => {
      const { port } = await startHttpsServer(t, nodeServer('required', '1.3'));
      const report = await probe(port, '1.3', [creds.wrong()]);
      assert.equal(clientAuthOf(report).offered[0]?.verdict, 'rejected');
      assert.ok(
        !findingIds(report).includes('resumption.no-ticket'),
        findingIds(report).join(', '),
      );
    },
  );
});

describe('openssl s_server -verify / -Verify', () => {
  const identity = () => [
    ...['-cert', fx.files.leaf!, '-key', fx.files.leafKey!, '-cert_chain', fx.files.intermediate!],
    ...['-www', '-CAfile', fx.files.clientCa!, '-verify_return_error'],
  ];
  type Row = [Version, '-verify' | '-Verify', Cred | null, string, Want | null, Alert | null];
  const unknownCa13: Want = ['rejected', 'post-handshake-alert', 'unknown_ca'];
  const unknownCa12: Want = ['rejected', 'handshake-alert', 'unknown_ca'];
  const accepted: Want = ['accepted', null, null];
  // version, s_server flag, certificate offered, mode, [verdict, where, alert], server alert.
  const rows: Row[] = [
    ['1.3', '-Verify', null, 'required', null, ['certificate_required', true]],
    ['1.3', '-Verify', 'wrong', 'required', unknownCa13, ['unknown_ca', true]],
    ['1.3', '-verify', 'client', 'optional', accepted, null],
    ['1.2', '-Verify', null, 'required', null, ['handshake_failure', false]],
    ['1.2', '-Verify', 'wrong', 'required', unknownCa12, ['unknown_ca', false]],
    ['1.2', '-verify', 'client', 'optional', accepted, null],
  ];
  const cases = rows.map(([v, flag, cred, mode, want, alert]) => ({
    v,
    flag,
    cred,
    mode,
    want,
    alert,
  }));

  for (const c of cases) {
    test(
      `TLS ${c.v} ${c.flag}, ${c.cred ?? 'no'} certificate → ` + `${c.want?.[0] ?? c.mode}`,
      async (t) => {
        const pin = c.v === '1.2' ? '-tls1_2' : '-tls1_3';
        const server = await startOpenSslServer([...identity(), c.flag, '1', pin]);
        t.after(() => server.close());
        const report = await probe(server.port, c.v, c.cred ? [creds[c.cred]()] : []);
        const auth = clientAuthOf(report);

        assert.equal(auth.mode, c.mode);
        const v = auth.offered[0];
        assert.deepEqual(v ? [v.verdict, v.where, v.alert] : null, c.want);
        const alert = serverAlert(report);
        assert.deepEqual(alert ? [alert.description, alert.afterHandshake] : null, c.alert);
        // The CA names tlsflight decoded are the ones openssl's own client prints.
        assert.deepEqual(auth.acceptableCAs, [CA1]);
        if (c.flag === '-verify') assert.deepEqual(await opensslCaNames(server.port, c.v), [CA1]);
      },
    );
  }
});

describe("nginx ssl_verify_client: nginx's HTTP 400", () => {
  const start = async (
    t: { after: (fn: () => Promise<void>) => void },
    o: Partial<NginxOptions>,
  ) => {
    const nginx = await startNginx({
      cert: fx.files.leaf!,
      key: fx.files.leafKey!,
      chain: fx.files.intermediate!,
      clientCa: fx.files.clientCa!,
      ...o,
    });
    t.after(() => nginx.close());
    return nginx;
  };
  const on = { verifyClient: 'on' } as const;
  const optional = { verifyClient: 'optional' } as const;
  const strict = { ...optional, extraHttp: 'if ($ssl_client_verify != SUCCESS) { return 400; }' };
  const refused: NginxWant = ['rejected', 'http-4xx', 400];
  type Row = [string, Partial<NginxOptions>, Cred | null, string, number, NginxWant | null];
  // name, nginx options, certificate offered, mode, HTTP status, [verdict, where, status].
  const rows: Row[] = [
    ['on, no certificate', on, null, 'required', 400, null],
    ['on, the right certificate', on, 'client', 'required', 200, ['accepted', null, 200]],
    ['on, a certificate from another CA', on, 'wrong', 'required', 400, refused],
    ['optional, no certificate', optional, null, 'optional', 200, null],
    ['optional, a certificate from another CA', optional, 'wrong', 'optional', 400, refused],
    ['optional + return 400 unless verified, none', strict, null, 'required', 400, null],
  ];
  const cases = rows.map(([name, o, cred, mode, status, want]) => ({
    name,
    o,
    cred,
    mode,
    status,
    want,
  }));

  for (const v of VERSIONS) {
    for (const c of cases) {
      test(`TLS ${v}: ${c.name}`, async (t) => {
        const nginx = await start(t, c.o);
        const report = await probe(nginx.port, v, c.cred ? [creds[c.cred]()] : []);
        const auth = clientAuthOf(report);

        assert.equal(report.handshake?.version, `TLSv${v}`);
        assert.equal(auth.mode, c.mode);
        assert.equal(report.http?.status, c.status);
        const o = auth.offered[0];
        assert.deepEqual(o ? [o.verdict, o.where, o.httpStatus] : null, c.want);
        if (c.cred === 'wrong') assert.equal(o?.issuerListed, false);
        // nginx refuses in HTTP, never with a TLS alert.
        assert.equal(serverAlert(report), undefined);
        assert.deepEqual(auth.acceptableCAs, [CA1]);
      });
    }
  }

  test('CA names match s_client; the 400 pages say why', async (t) => {
    const nginx = await start(t, { verifyClient: 'on' });
    const report = await probe(nginx.port, '1.3');
    assert.deepEqual(await opensslCaNames(nginx.port, '1.3'), clientAuthOf(report).acceptableCAs);

    const base = ['-connect', `127.0.0.1:${nginx.port}`, '-servername', 'localhost', '-ign_eof'];
    const request = 'GET / HTTP/1.0\r\n\r\n';
    const none = await runOpenSslClient(base, request);
    assert.match(
      none.stdout,
      /HTTP\/1\.1 400 Bad Request[\s\S]*No required SSL certificate was sent/,
    );
    const wrong = await runOpenSslClient(
      [...base, '-cert', fx.files.wrongClient!, '-key', fx.files.wrongClientKey!],
      request,
    );
    assert.match(wrong.stdout, /HTTP\/1\.1 400 Bad Request[\s\S]*The SSL certificate error/);
  });
});
