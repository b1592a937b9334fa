/**
 * `tlsflight advise` and `tlsflight diff` (and `probe --shape`) as a user runs them: the built
 * CLI in a child process, reports saved from real servers on 127.0.0.1, every format, exit
 * codes, and one-line errors (exit 2) for missing, non-JSON and wrong-version files.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { issueCertificate, reuseKeyCertificate } from '../src/pki/pki.js';
import { altered, rotateTicketKeysPerConnection, writeJson } from './support/advice.js';
import { type ChildRun, runCli } from './support/cli.js';
import {
  filePki,
  fileScope,
  probeLocal,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';

const fx = await filePki();

// Saved reports from real servers: a same-key renewal, then TLS capped at 1.2 (one server);
// a new key with ticket keys regenerated on every connection (another server).
const files: Record<string, string> = {};
{
  const server = await startHttpsServer(fileScope, serverIdentity(fx.pki));
  files.initial = await writeJson(fx.dir, 'initial.json', await probeLocal(server.port, fx));
  const renewed = await reuseKeyCertificate(fx.pki.leaf, {});
  server.server.setSecureContext({
    cert: renewed.certPem + fx.pki.intermediate.certPem,
    key: renewed.keyPem,
  });
  const sameKey = await probeLocal(server.port, fx);
  files.sameKey = await writeJson(fx.dir, 'same-key.json', sameKey);
  server.server.setSecureContext({ ...serverIdentity(fx.pki), maxVersion: 'TLSv1.2' });
  files.tls12 = await writeJson(fx.dir, 'tls12.json', await probeLocal(server.port, fx));
  files.future = await writeJson(
    fx.dir,
    'future.json',
    altered(sameKey, (r) => {
      r.reportVersion = '2.0';
    }),
  );

  const other = await startHttpsServer(fileScope, serverIdentity(fx.pki));
  files.beforeKey = await writeJson(fx.dir, 'before-key.json', await probeLocal(other.port, fx));
  const rekeyed = await issueCertificate({ ...fx.pki.leaf.spec, serialNumber: undefined });
  other.server.setSecureContext({
    cert: rekeyed.certPem + fx.pki.intermediate.certPem,
    key: rekeyed.keyPem,
  });
  rotateTicketKeysPerConnection(other.server);
  files.afterKey = await writeJson(fx.dir, 'after-key.json', await probeLocal(other.port, fx));

  files.notJson = path.join(fx.dir, 'not-json.json');
  await writeFile(files.notJson, 'tlsflight says hello\n');
  files.notReport = await writeJson(fx.dir, 'not-report.json', { hello: 'world' });
  files.missing = path.join(fx.dir, 'missing.json');
}

/** Asserts a usage error: exit 2, nothing on stdout, exactly one stderr line matching `re`. */
function assertOneLineError(run: ChildRun, re: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, re);
}

describe('tlsflight diff', () => {
  it('text: the change class a user reads, exit 0', async () => {
    const run = await runCli(['diff', files.initial!, files.sameKey!]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /INFO leaf replaced, same key: Leaf replaced with the same key/);
    assert.match(run.stdout, /impact: Nothing changes for clients/);
  });

  it('markdown: a PR comment with one table row per change', async () => {
    const run = await runCli(['diff', files.sameKey!, files.tls12!, '--format', 'markdown']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^### tlsflight diff: `localhost:\d+`/);
    assert.match(run.stdout, /\| \| Change \| What changed \| User impact \| Mitigation \|/);
    const tlsRow = /\| ⚠️ \| TLS version changed \| TLS version TLSv1\.3 → TLSv1\.2\. \|/;
    assert.match(run.stdout, tlsRow);
  });

  it('json: the classified changes as data', async () => {
    const run = await runCli(['diff', files.initial!, files.sameKey!, '--format', 'json']);
    assert.deepEqual(
      JSON.parse(run.stdout).changes.map((c: { class: string }) => c.class),
      ['leaf-same-key'],
    );
  });

  it('--fail-on warn: a TLS 1.3 → 1.2 change exits 1; the default (fail) exits 0', async () => {
    assert.equal(
      (await runCli(['diff', files.sameKey!, files.tls12!, '--fail-on', 'warn'])).code,
      1,
    );
    assert.equal((await runCli(['diff', files.sameKey!, files.tls12!])).code, 0);
  });

  it('a missing file: exit 2, one line naming it', async () => {
    const run = await runCli(['diff', files.missing!, files.sameKey!]);
    assertOneLineError(
      run,
      new RegExp(`^tlsflight: cannot read report ${files.missing}: no such file\\n$`),
    );
  });

  it('a file that is not JSON: exit 2, one line naming it', async () => {
    assertOneLineError(
      await runCli(['diff', files.initial!, files.notJson!]),
      /^tlsflight: \S+not-json\.json is not JSON: /,
    );
  });

  it('JSON that is not a report: exit 2, one line', async () => {
    assertOneLineError(
      await runCli(['diff', files.notReport!, files.initial!]),
      /^tlsflight: \S+not-report\.json is not a tlsflight report \(no reportVersion\)$/m,
    );
  });

  it('another reportVersion major: exit 2, one line naming the file and the version', async () => {
    const run = await runCli(['diff', files.initial!, files.future!]);
    assertOneLineError(
      run,
      new RegExp(
        `^tlsflight: ${files.future}: reportVersion "2\\.0" is not supported \\(this tlsflight ` +
          `reads 1\\.x\\)$`,
        'm',
      ),
    );
  });
});

describe('tlsflight advise --report', () => {
  it('text: ranked changes with the saving at the default 300 ms', async () => {
    const run = await runCli(['advise', '--report', files.tls12!, '--shape', 'public-api']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /shape public-api {2}at RTT 300 ms/);
    assert.match(
      run.stdout,
      new RegExp(
        /WARN TLS 1\.3: TLSv1\.2 negotiated \(2 round trips /.source +
          /measured\)\.\n.*\n {7}saves 1 round trip = 300 ms, each first visit /.source +
          /\(what-if\)/.source,
      ),
    );
  });

  it('json at --rtt 100: savings priced at 100 ms', async () => {
    const run = await runCli([
      'advise',
      '--report',
      files.tls12!,
      '--shape',
      'public-api',
      '--rtt',
      '100',
      '--format',
      'json',
    ]);
    const advice = JSON.parse(run.stdout);
    assert.equal(advice.rttMs, 100);
    assert.equal(advice.change.find((i: { id: string }) => i.id === 'tls13').saving.ms, 100);
  });

  it(
    'markdown and --fail-on: registry has info-level ' + 'changes only (exit 0 at warn, 1 at info)',
    async () => {
      const warn = await runCli([
        'advise',
        '--report',
        files.tls12!,
        '--shape',
        'registry',
        '--format',
        'markdown',
        '--fail-on',
        'warn',
      ]);
      assert.equal(warn.code, 0);
      assert.match(warn.stdout, /^### tlsflight advice: `localhost:\d+` \(registry, RTT 300 ms\)/);
      assert.equal(
        (
          await runCli([
            'advise',
            '--report',
            files.tls12!,
            '--shape',
            'registry',
            '--fail-on',
            'info',
          ])
        ).code,
        1,
      );
    },
  );

  it(
    '--previous: resumption dropped after a ' + 'key change is diagnosed from two reports',
    async () => {
      const run = await runCli([
        'advise',
        '--report',
        files.afterKey!,
        '--previous',
        files.beforeKey!,
        '--shape',
        'public-api',
      ]);
      assert.match(
        run.stdout,
        new RegExp(
          /FAQ diagnoses\n {2}WARN Resumption fell from resumed \(psk\) to not /.source +
            /resumed after the certificate and its key were replaced/.source,
        ),
      );
    },
  );

  it('without --shape: exit 2', async () => {
    const run = await runCli(['advise', '--report', files.tls12!]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /required option '--shape <shape>' not specified/);
  });

  it('neither a target nor --report: exit 2, one line', async () => {
    assertOneLineError(
      await runCli(['advise', '--shape', 'mesh']),
      /^tlsflight: advise needs a target to probe \(host\[:port\]\) or --report FILE$/m,
    );
  });

  it('a missing, non-JSON or wrong-version report: exit 2, one line each', async () => {
    assertOneLineError(
      await runCli(['advise', '--report', files.missing!, '--shape', 'mesh']),
      /cannot read report \S+missing\.json: no such file/,
    );
    assertOneLineError(
      await runCli(['advise', '--report', files.notJson!, '--shape', 'mesh']),
      /not-json\.json is not JSON/,
    );
    assertOneLineError(
      await runCli(['advise', '--report', files.future!, '--shape', 'mesh']),
      /future\.json: reportVersion "2\.0" is not supported/,
    );
  });
});

describe('client certificate rotation on the command line', () => {
  const certs = () => [
    '--client-cert',
    fx.files.client!,
    '--client-key',
    fx.files.clientKey!,
    '--client-cert',
    fx.files.client2!,
    '--client-key',
    fx.files.client2Key!,
  ];
  const live = async () => {
    const server = await startHttpsServer(fileScope, {
      ...serverIdentity(fx.pki),
      requestCert: true,
      rejectUnauthorized: true,
      ca: [fx.pki.clientRoot.certPem],
    });
    return [`127.0.0.1:${server.port}`, '--sni', 'localhost', '--ca', fx.files.ca!];
  };

  it('probe --shape mesh: the rotation window and the advice follow the report', async () => {
    const run = await runCli([
      'probe',
      ...(await live()),
      ...certs(),
      '--shape',
      'mesh',
      '--no-resumption',
    ]);
    assert.equal(run.code, 1, 'the new certificate is rejected: a fail finding');
    assert.match(run.stdout, /Client certificate rotation \(not-ready; window open/);
    assert.match(
      run.stdout,
      new RegExp(
        /WARN rotation\.not-ready: Rotation not ready: the new client certificate /.source +
          /CN=tlsflight client 2 is rejected/.source,
      ),
    );
    assert.match(run.stdout, /tlsflight advice {2}127\.0\.0\.1:\d+ {2}shape mesh {2}at RTT 300 ms/);
  });

  it(
    'probe --format json: the report stays a ' + 'report, with the rotation findings in it',
    async () => {
      const run = await runCli([
        'probe',
        ...(await live()),
        ...certs(),
        '--format',
        'json',
        '--no-resumption',
      ]);
      const report = JSON.parse(run.stdout);
      assert.ok(report.findings.some((f: { id: string }) => f.id === 'rotation.not-ready'));
    },
  );

  it('advise HOST probes, then advises with the rotation', async () => {
    const run = await runCli([
      'advise',
      ...(await live()),
      ...certs(),
      '--shape',
      'mesh',
      '--format',
      'json',
      '--no-resumption',
    ]);
    const advice = JSON.parse(run.stdout);
    assert.equal(advice.rotation.state, 'not-ready');
    // The lab's client certificates live 90 days: long-lived for a mesh.
    assert.ok(advice.change.some((i: { id: string }) => i.id === 'mtls'));
  });
});
