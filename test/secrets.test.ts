/**
 * Secrets: private keys and passphrases never reach a report (text, JSON, Markdown, NDJSON),
 * --verbose output or an error message; report files are written atomically and leave no
 * temp file behind, even when the write fails.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportPkcs12 } from '../src/pki/pki.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { runCli } from './support/cli.js';
import {
  type PkiFixture,
  pkiFixture,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';

const PASSPHRASE = `pass-${crypto.randomBytes(9).toString('base64url')}`;
const WRONG = `wrong-${crypto.randomBytes(9).toString('base64url')}`;

interface Secret {
  name: string;
  needle: string;
}

/** Every form of the key a leak could take: PEM lines, the whole body, the raw scalar. */
function keyNeedles(name: string, pem: string): Secret[] {
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const lines = pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
  const jwk = crypto
    .createPrivateKey({ key: pem, passphrase: PASSPHRASE })
    .export({ format: 'jwk' });
  const scalar = Buffer.from(jwk.d!, 'base64url');
  return [
    { name: `${name} body`, needle: body.slice(0, 48) },
    ...lines.map((l, i) => ({ name: `${name} line ${i}`, needle: l })),
    { name: `${name} scalar (hex)`, needle: scalar.toString('hex') },
    { name: `${name} scalar (base64url)`, needle: jwk.d! },
  ];
}

describe('secrets stay out of every output', () => {
  let fx: PkiFixture;
  let port = 0;
  const files: Record<string, string> = {};
  let secrets: Secret[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    fx = await pkiFixture({ after: (fn) => void cleanups.push(fn as () => Promise<void>) });
    const t = { after: (fn: () => Promise<void>) => void cleanups.push(fn) };
    const options = { ...serverIdentity(fx.pki), requestCert: true, ca: fx.pki.clientRoot.certPem };
    port = (await startHttpsServer(t, options)).port;
    Object.assign(files, await credentialFiles(fx));
    secrets = [
      { name: 'passphrase', needle: PASSPHRASE },
      { name: 'wrong passphrase', needle: WRONG },
      ...keyNeedles('plain key', fx.pki.client.keyPem),
      ...keyNeedles('encrypted key', await readFile(files.encKey!, 'utf8')),
    ];
  });
  after(() => Promise.all(cleanups.map((fn) => fn())));

  /** The probe flags for the local mTLS server. */
  const target = () => [`localhost:${port}`, '--connect-to', '127.0.0.1', '--ca', fx.files.ca!];
  const withKey = () => [
    '--cert',
    files.cert!,
    '--key',
    files.encKey!,
    '--passphrase-file',
    files.pass!,
  ];

  function assertNoSecret(what: string, text: string): void {
    for (const s of secrets) assert.ok(!text.includes(s.needle), `${what} leaks the ${s.name}`);
  }

  test('the check finds the passphrase and the key where they are', async () => {
    const leaky = `${await readFile(files.pass!, 'utf8')}${fx.pki.client.keyPem}`;
    assert.throws(() => assertNoSecret('a leaky output', leaky), /leaks the passphrase/);
    assert.throws(
      () => assertNoSecret('a leaky output', fx.pki.client.keyPem),
      /leaks the plain key/,
    );
  });

  const runs: Array<[string, () => string[], number]> = [
    ['text --verbose', () => ['probe', ...target(), ...withKey(), '--verbose'], 0],
    ['markdown', () => ['probe', ...target(), ...withKey(), '--format', 'markdown'], 0],
    [
      'json --output',
      () => ['probe', ...target(), ...withKey(), '--json', '--output', files.out!],
      0,
    ],
    [
      'pfx --verbose',
      () => [
        'probe',
        ...target(),
        '--pfx',
        files.pfx!,
        '--passphrase-file',
        files.pass!,
        '--json',
        '--verbose',
      ],
      0,
    ],
    [
      'plain key',
      () => [
        'probe',
        ...target(),
        '--cert',
        files.cert!,
        '--key',
        fx.files.clientKey!,
        '--verbose',
      ],
      0,
    ],
    [
      'wrong passphrase',
      () => [
        'probe',
        ...target(),
        '--cert',
        files.cert!,
        '--key',
        files.encKey!,
        '--passphrase-file',
        files.wrong!,
        '--verbose',
      ],
      2,
    ],
    [
      'wrong pfx passphrase',
      () => [
        'probe',
        ...target(),
        '--pfx',
        files.pfx!,
        '--passphrase-file',
        files.wrong!,
        '--verbose',
      ],
      2,
    ],
    [
      'key that does not match',
      () => [
        'probe',
        ...target(),
        '--cert',
        fx.files.client2!,
        '--key',
        fx.files.clientKey!,
        '--verbose',
      ],
      2,
    ],
    [
      'key given as the certificate',
      () => ['probe', ...target(), '--cert', files.encKey!, '--key', files.encKey!, '--verbose'],
      2,
    ],
    [
      'key given as a CA file',
      () => ['probe', ...target(), '--ca', fx.files.clientKey!, '--verbose'],
      2,
    ],
    [
      'passphrase given as the key',
      () => ['probe', ...target(), '--cert', files.cert!, '--key', files.pass!, '--verbose'],
      2,
    ],
  ];

  for (const [name, args, code] of runs) {
    test(`probe, ${name}: exit ${code}, no key or passphrase in any output`, async () => {
      const run = await runCli(args());
      assert.equal(run.code, code, run.output);
      assertNoSecret('stdout/stderr', run.output);
      if (code === 0 && name.includes('--output')) {
        assertNoSecret('the --output file', await readFile(files.out!, 'utf8'));
      }
    });
  }

  test(
    'scan with a client certificate: no key ' + 'or passphrase in the NDJSON or the summary',
    async () => {
      const run = await runCli(
        ['scan', '-', '--connect-to', '127.0.0.1', '--ca', fx.files.ca!, ...withKey(), '--verbose'],
        { input: `localhost:${port}\n` },
      );
      assert.equal(run.code, 0, run.output);
      assert.match(run.output, /"clientAuth":/);
      assertNoSecret('scan output', run.output);
    },
  );
});

describe('report files are written atomically', () => {
  let dir = '';
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    dir = (await pkiFixture({ after: (fn) => void cleanups.push(fn as () => Promise<void>) })).dir;
  });
  after(() => Promise.all(cleanups.map((fn) => fn())));

  const temps = async (folder: string) => (await readdir(folder)).filter((f) => f.endsWith('.tmp'));

  test('a write replaces the file whole and leaves no temp file', async () => {
    const file = path.join(dir, 'report.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, '{"new":true}');
    assert.equal(await readFile(file, 'utf8'), '{"new":true}');
    assert.deepEqual(await temps(dir), []);
  });

  test(
    'a failed write is WRITE_FAILED, keeps ' + 'nothing half-written and leaves no temp file',
    async () => {
      const target = path.join(dir, 'a-directory');
      await mkdir(target);
      await assert.rejects(writeFileAtomic(target, '{}'), { code: 'WRITE_FAILED' });
      await assert.rejects(writeFileAtomic(path.join(dir, 'missing', 'r.json'), '{}'), {
        code: 'WRITE_FAILED',
      });
      assert.deepEqual(await temps(dir), []);
    },
  );

  test(
    'the CLI reports a failed --output in ' + 'one line (exit 2) and leaves no temp file',
    async (t) => {
      const fx = await pkiFixture(t);
      const server = await startHttpsServer(t, serverIdentity(fx.pki));
      const target = path.join(fx.dir, 'out-dir');
      await mkdir(target);
      const args = [
        'probe',
        `localhost:${server.port}`,
        '--connect-to',
        '127.0.0.1',
        '--ca',
        fx.files.ca!,
      ];
      const run = await runCli([...args, '--alpn', 'http/1.1', '--output', target]);
      assert.equal(run.code, 2, run.output);
      assert.match(run.output, /^tlsflight: cannot write .*out-dir/m);
      assert.deepEqual(await temps(fx.dir), []);
    },
  );
});

/** Encrypted PKCS#8 key, PKCS#12 bundle, passphrase files and an output path. */
async function credentialFiles(fx: PkiFixture): Promise<Record<string, string>> {
  const key = crypto.createPrivateKey(fx.pki.client.keyPem);
  const encrypted = key.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: PASSPHRASE,
  });
  const out = (name: string) => path.join(fx.dir, name);
  await writeFile(out('client-enc.key'), encrypted as string, { mode: 0o600 });
  await writeFile(out('pass.txt'), `${PASSPHRASE}\n`, { mode: 0o600 });
  await writeFile(out('wrong.txt'), `${WRONG}\n`, { mode: 0o600 });
  await exportPkcs12({
    certPem: fx.pki.client.certPem,
    keyPem: fx.pki.client.keyPem,
    passphrase: PASSPHRASE,
    outPath: out('client.p12'),
  });
  return {
    cert: fx.files.client!,
    encKey: out('client-enc.key'),
    pass: out('pass.txt'),
    wrong: out('wrong.txt'),
    pfx: out('client.p12'),
    out: out('report.json'),
  };
}
