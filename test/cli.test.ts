/**
 * The built CLI (`node dist/src/cli.js probe ...`) as a user runs it, against local servers on
 * 127.0.0.1: exit codes by severity, --json and --output, and one-line errors (exit 2, no
 * stack trace, nothing written) for every kind of bad input.
 */
import assert from 'node:assert/strict';
import { constants, createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import { exportPkcs12 } from '../src/pki/pki.js';
import { REPORT_VERSION, type Report } from '../src/report/model.js';
import { runCli } from './support/cli.js';
import { filePki, fileScope, serverIdentity, startHttpsServer } from './support/fixtures.js';

const fx = await filePki();

/** `probe 127.0.0.1:port` as localhost, trusting the lab root. */
function probeArgs(port: number, ...extra: string[]): string[] {
  return ['probe', `127.0.0.1:${port}`, '--sni', 'localhost', '--ca', fx.files.ca!, ...extra];
}

/** A fresh, empty folder for --output files, removed with the test. */
async function outDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Listens on 127.0.0.1:0; every accepted socket is destroyed at close. */
async function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as net.AddressInfo).port;
}

describe('exit codes and report output', () => {
  test(
    'a healthy endpoint: report on stdout, nothing on stderr, exit 0 (also with --fail-on ' +
      'warn)',
    async (t) => {
      const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
      const run = await runCli(probeArgs(port));
      assert.equal(run.stderr, '');
      assert.equal(run.code, 0);
      assert.match(run.stdout, /TLSv1\.3/);
      assert.match(run.stdout, /Resumption .*resumed via psk/);
      assert.equal((await runCli(probeArgs(port, '--fail-on', 'warn'))).code, 0);
    },
  );

  test('a fail finding (lab root not trusted) exits 1 and still prints the report', async (t) => {
    const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
    const run = await runCli(['probe', `127.0.0.1:${port}`, '--sni', 'localhost', '--json']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, '');
    const report = JSON.parse(run.stdout) as Report;
    assert.ok(report.findings.some((f) => f.severity === 'fail'));
  });

  test('--fail-on warn turns a warning (ticket not accepted) into exit 1', async (t) => {
    const { port } = await startHttpsServer(t, {
      ...serverIdentity(fx.pki),
      secureOptions: constants.SSL_OP_NO_TICKET,
    });
    const lenient = await runCli(probeArgs(port, '--json'));
    const report = JSON.parse(lenient.stdout) as Report;
    assert.ok(
      report.findings.some((f) => f.id === 'resumption.not-accepted' && f.severity === 'warn'),
    );
    assert.ok(!report.findings.some((f) => f.severity === 'fail'));
    assert.equal(lenient.code, 0);
    assert.equal((await runCli(probeArgs(port, '--fail-on', 'warn'))).code, 1);
  });

  test('--json prints one parseable report with reportVersion', async (t) => {
    const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
    const run = await runCli(probeArgs(port, '--json'));
    assert.equal(run.code, 0);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.reportVersion, REPORT_VERSION);
    assert.deepEqual([report.target.port, report.target.sni], [port, 'localhost']);
    assert.equal(report.handshake?.version, 'TLSv1.3');
  });

  test('--output writes the same JSON atomically, leaving no temp file', async (t) => {
    const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
    const dir = await outDir(t);
    const file = path.join(dir, 'report.json');
    const run = await runCli(probeArgs(port, '--json', '--output', file));
    assert.equal(run.code, 0);
    assert.equal(await readFile(file, 'utf8'), run.stdout);
    assert.deepEqual(await readdir(dir), ['report.json']);

    // With text on stdout, the file is still the JSON report.
    const text = await runCli(probeArgs(port, '--output', file));
    assert.match(text.stdout, /^tlsflight /);
    assert.equal(
      (JSON.parse(await readFile(file, 'utf8')) as Report).reportVersion,
      REPORT_VERSION,
    );
    assert.deepEqual(await readdir(dir), ['report.json']);
  });
});

describe('client certificates from the command line', () => {
  /** A Node server that requires a certificate from client CA 1 only. */
  const mtlsServer = (t: { after: TestContext['after'] }) =>
    startHttpsServer(t, {
      ...serverIdentity(fx.pki),
      requestCert: true,
      rejectUnauthorized: true,
      ca: fx.pki.clientRoot.certPem,
    });

  test('--cert/--key: accepted, exit 0', async (t) => {
    const { port } = await mtlsServer(t);
    const run = await runCli(
      probeArgs(port, '--cert', fx.files.client!, '--key', fx.files.clientKey!),
    );
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /Client auth {2}required; without a certificate: rejected/);
    assert.match(run.stdout, /CN=tlsflight client 1 → accepted; issuer listed yes/);
  });

  test('rotation: --client-cert/--client-key twice, the second CA untrusted: exit 1', async (t) => {
    const { port } = await mtlsServer(t);
    const pairs = [
      ...['--client-cert', fx.files.client!, '--client-key', fx.files.clientKey!],
      ...['--client-cert', fx.files.client2!, '--client-key', fx.files.client2Key!],
    ];
    const run = await runCli(probeArgs(port, '--json', ...pairs));
    assert.equal(run.code, 1);
    const offered = (JSON.parse(run.stdout) as Report).clientAuth?.offered ?? [];
    assert.deepEqual(
      offered.map((o) => [o.subject, o.verdict, o.issuerListed]),
      [
        ['CN=tlsflight client 1', 'accepted', true],
        ['CN=tlsflight client 2', 'rejected', false],
      ],
    );
  });

  test('a --client-cert without its --client-key is a usage error', async () => {
    const run = await runCli(['probe', '127.0.0.1:1', '--client-cert', fx.files.client!]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^tlsflight: each --client-cert needs its --client-key/);
  });
});

/** Bad-input files: a PKCS#12 (current and legacy), an encrypted key, passphrases, junk. */
async function badFiles() {
  const dir = path.join(fx.dir, 'bad-input');
  await mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const { certPem, keyPem } = fx.pki.client;
  await exportPkcs12({ certPem, keyPem, passphrase: 'right', outPath: f('client.p12') });
  await exportPkcs12({
    certPem,
    keyPem,
    passphrase: 'right',
    outPath: f('legacy.p12'),
    legacy: true,
  });
  const encrypted = createPrivateKey(keyPem).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'right',
  });
  await writeFile(f('client-key.enc.pem'), encrypted);
  await writeFile(f('right.txt'), 'right\n');
  await writeFile(f('wrong.txt'), 'wrong\n');
  await writeFile(f('garbage-key.pem'), 'not a key\n');
  await mkdir(f('key-dir'), { recursive: true });
  return f;
}

describe('bad input: one line on stderr, exit 2, no stack trace, no --output file', async () => {
  const f = await badFiles();
  const { port: healthy } = await startHttpsServer(fileScope, serverIdentity(fx.pki));
  const refused = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
  // Accepts the TCP connection and never says a word.
  const silent = await listen(net.createServer());
  const plain = await listen(http.createServer((_req, res) => res.end('plain http\n')));
  const cert = fx.files.client!;

  const cases = [
    {
      name: 'unresolvable host (.invalid never resolves)',
      args: ['probe', 'no-such-host.invalid'],
      err: /^tlsflight: cannot resolve no-such-host\.invalid: .*(ENOTFOUND|EAI_AGAIN)/,
    },
    {
      name: 'refused connection',
      args: ['probe', `127.0.0.1:${refused}`],
      err: new RegExp(`^tlsflight: cannot connect to 127\\.0\\.0\\.1:${refused}: .*ECONNREFUSED`),
    },
    {
      name: 'timeout (server never answers)',
      args: ['probe', `127.0.0.1:${silent}`, '--timeout', '300'],
      err: new RegExp(`^tlsflight: .*127\\.0\\.0\\.1:${silent}.*after 300 ms`),
    },
    {
      name: 'server is not TLS',
      args: ['probe', `127.0.0.1:${plain}`],
      err: new RegExp(`^tlsflight: 127\\.0\\.0\\.1:${plain} does not speak TLS: .*HTTP/1\\.1 400`),
    },
    {
      name: 'missing certificate file',
      args: probeArgs(healthy, '--cert', f('missing.pem'), '--key', fx.files.clientKey!),
      err: /^tlsflight: cannot read certificate file .*missing\.pem: .*ENOENT/,
    },
    {
      name: 'unreadable key (a directory)',
      args: probeArgs(healthy, '--cert', cert, '--key', f('key-dir')),
      err: /^tlsflight: cannot read key file .*key-dir: .*EISDIR/,
    },
    {
      name: 'key file without a key',
      args: probeArgs(healthy, '--cert', cert, '--key', f('garbage-key.pem')),
      err: /^tlsflight: cannot load .*garbage-key\.pem: no PEM private key in it/,
    },
    {
      name: 'wrong PKCS#12 passphrase',
      args: probeArgs(healthy, '--pfx', f('client.p12'), '--passphrase-file', f('wrong.txt')),
      err: /^tlsflight: cannot decrypt .*client\.p12: wrong passphrase/,
    },
    {
      name: 'wrong passphrase of an encrypted PEM key',
      args: probeArgs(
        healthy,
        '--cert',
        cert,
        '--key',
        f('client-key.enc.pem'),
        '--passphrase-file',
        f('wrong.txt'),
      ),
      err: /^tlsflight: cannot decrypt .*client-key\.enc\.pem: wrong passphrase/,
    },
    {
      name: 'encrypted PEM key, no passphrase given',
      args: probeArgs(healthy, '--cert', cert, '--key', f('client-key.enc.pem')),
      err: /^tlsflight: cannot decrypt .*enc\.pem: it is encrypted and no --passphrase-file/,
    },
    {
      name: 'legacy RC2 PKCS#12',
      args: probeArgs(healthy, '--pfx', f('legacy.p12'), '--passphrase-file', f('right.txt')),
      err: new RegExp(
        /^tlsflight: cannot load \S*legacy\.p12: it uses legacy .*-in \S*legacy\.p12 /.source +
          /.*legacy-provider/.source,
      ),
    },
    {
      name: 'port out of range',
      args: ['probe', '127.0.0.1:70000'],
      err: /^tlsflight: bad target '127\.0\.0\.1:70000': port must be 1-65535/,
    },
    {
      name: 'port not a number',
      args: ['probe', 'localhost:https'],
      err: /^tlsflight: bad target 'localhost:https'/,
    },
    {
      name: 'bad --tls value',
      args: ['probe', `127.0.0.1:${healthy}`, '--tls', '1.4'],
      err: /'1\.4' is invalid\. Allowed choices are 1\.2, 1\.3/,
    },
    {
      name: 'bad --timeout value',
      args: ['probe', `127.0.0.1:${healthy}`, '--timeout', 'soon'],
      err: /^tlsflight: bad --timeout 'soon'/,
    },
  ];

  for (const c of cases) {
    test(c.name, async (t) => {
      const output = path.join(await outDir(t), 'report.json');
      const run = await runCli([...c.args, '--output', output]);
      assert.equal(run.code, 2, run.stderr);
      const lines = run.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, c.err);
      assert.doesNotMatch(run.stderr, /^\s+at /m);
      assert.equal(run.stdout, '');
      // Not even a temp file of the atomic writer is left behind.
      assert.deepEqual(await readdir(path.dirname(output)), []);
    });
  }

  test('the legacy PKCS#12 loads as the error advises, with the legacy provider', async () => {
    const args = probeArgs(healthy, '--pfx', f('legacy.p12'), '--passphrase-file', f('right.txt'));
    const run = await runCli(args, { env: { NODE_OPTIONS: '--openssl-legacy-provider' } });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
  });

  test('--verbose adds the stack trace', async () => {
    const run = await runCli(['probe', `127.0.0.1:${refused}`, '--verbose']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^tlsflight: cannot connect/);
    assert.match(run.stderr, /^\s+at /m);
  });
});
