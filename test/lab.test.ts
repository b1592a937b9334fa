/**
 * `tlsflight lab`: every endpoint of the built-in set probed once (no added latency, so it
 * stays fast), each asserting the finding its toggle exists to show; then the config file,
 * the PKI folder reused across runs, the listing and a clean stop.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { labListing, probeCommandFor } from '../src/commands/lab.js';
import { TlsflightError } from '../src/errors.js';
import { CATALOGUE } from '../src/lab/catalogue.js';
import { type Lab, startLab } from '../src/lab/lab.js';
import { readLabConfig } from '../src/lab/spec.js';
import { type ProbeOptions, probeOptions, runProbe } from '../src/probe.js';
import type { CredentialSpec } from '../src/probes/credentials.js';
import { prepareSetup } from '../src/probes/setup.js';
import type { Report } from '../src/report/model.js';
import { runCli } from './support/cli.js';

let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.close());

/** Probes a lab endpoint like the printed command does. */
async function probe(
  name: string,
  overrides: Partial<ProbeOptions> = {},
  credentials: CredentialSpec[] = [],
) {
  const e = lab.endpoint(name);
  const setup = prepareSetup({ caFiles: [lab.files.ca!], credentials });
  const options = probeOptions(
    { host: e.sni, port: e.port },
    { connectTo: e.host, timeoutMs: 3000, ...overrides },
  );
  return runProbe(options, setup);
}

const ids = (r: Report) => r.findings.map((f) => f.id);
const client = () => [{ cert: lab.files.client!, key: lab.files.clientKey! }];
const client2 = () => [{ cert: lab.files.client2!, key: lab.files.client2Key! }];

/** Each endpoint with the finding (and facts) a user should read in its report. */
const TOGGLES: Array<{
  name: string;
  finding: string;
  check?: (r: Report) => void;
  options?: Partial<ProbeOptions>;
  credentials?: () => CredentialSpec[];
}> = [
  {
    name: 'healthy',
    finding: 'stapling.good',
    check: (r) => assert.equal(r.handshake?.version, 'TLSv1.3'),
  },
  {
    name: 'tls12',
    finding: 'handshake.tls12',
    check: (r) => assert.equal(r.flights?.roundTrips.tls, 2),
  },
  {
    name: 'hrr',
    finding: 'handshake.hello-retry',
    check: (r) => assert.equal(r.flights?.roundTrips.tls, 2),
  },
  { name: 'alpn-none', finding: 'handshake.no-alpn' },
  {
    name: 'alpn-http1',
    finding: 'chain.ok',
    check: (r) => assert.equal(r.handshake?.alpn, 'http/1.1'),
  },
  { name: 'staple-revoked', finding: 'stapling.revoked' },
  { name: 'staple-unknown', finding: 'stapling.unknown' },
  { name: 'staple-expired', finding: 'stapling.expired' },
  { name: 'staple-not-yet-valid', finding: 'stapling.not-yet-valid' },
  { name: 'staple-wrong-cert', finding: 'stapling.wrong-certificate' },
  { name: 'staple-bad-signature', finding: 'stapling.bad-signature' },
  {
    name: 'staple-delegated',
    finding: 'stapling.good',
    check: (r) => assert.equal(r.stapling?.signer, 'delegated'),
  },
  { name: 'no-staple', finding: 'side-trip.cost', options: { ocspFetch: true } },
  { name: 'must-staple', finding: 'stapling.must-staple-missing' },
  { name: 'no-ocsp-url', finding: 'stapling.not-applicable' },
  {
    name: 'ocsp-silent',
    finding: 'side-trip.silent',
    options: { ocspFetch: true, timeoutMs: 500 },
  },
  { name: 'tickets-off', finding: 'resumption.no-ticket' },
  {
    name: 'no-staple-no-tickets',
    finding: 'resumption.no-ticket',
    check: (r) => assert.ok(ids(r).includes('stapling.missing')),
  },
  {
    name: 'tls12-tickets-off',
    finding: 'resumption.not-accepted',
    check: (r) => assert.equal(r.resumption?.sessionIdResumed, false),
  },
  {
    name: 'tls12-session-cache',
    finding: 'resumption.resumed',
    check: (r) => assert.equal(r.resumption?.mechanism, 'session-id'),
  },
  {
    name: 'rotating-keys',
    finding: 'resumption.not-accepted',
    check: (r) => assert.ok(r.resumption!.ticketsAfterFull.length > 0),
  },
  {
    name: 'short-lifetime',
    finding: 'resumption.resumed',
    check: (r) => assert.equal(r.resumption?.ticketsAfterFull[0]?.lifetimeHintSeconds, 60),
  },
  { name: 'pool-shared', finding: 'resumption.resumed' },
  { name: 'pool-unshared', finding: 'resumption.not-accepted' },
  { name: 'mtls-optional', finding: 'client-auth.optional' },
  {
    name: 'mtls-required',
    finding: 'client-auth.required',
    check: (r) => assert.equal(r.clientAuth?.withoutCertificate, 'rejected'),
  },
  { name: 'mtls-required', finding: 'client-auth.accepted', credentials: client },
  {
    name: 'mtls-two-issuers',
    finding: 'client-auth.accepted',
    credentials: client2,
    check: (r) => assert.equal(r.clientAuth?.acceptableCAs.length, 2),
  },
  { name: 'mtls-required-tls12', finding: 'client-auth.required' },
  { name: 'chain-missing-intermediate', finding: 'chain.incomplete' },
  { name: 'chain-wrong-order', finding: 'chain.order' },
  { name: 'chain-extra-root', finding: 'chain.extra-root' },
  { name: 'expired-leaf', finding: 'chain.expired' },
  {
    name: 'oversized-chain',
    finding: 'flights.initial-window',
    check: (r) => assert.equal(r.flights?.roundTrips.extra, 1),
  },
];

describe('each lab toggle shows its finding', () => {
  test('the table covers every built-in endpoint', () => {
    const covered = new Set(TOGGLES.map((t) => t.name));
    assert.deepEqual(
      CATALOGUE.map((s) => s.name).filter((n) => !covered.has(n)),
      [],
    );
  });

  for (const t of TOGGLES) {
    const how = t.credentials ? ' with a client certificate' : '';
    test(`${t.name}${how}: ${t.finding}`, async () => {
      const report = await probe(t.name, t.options, t.credentials?.() ?? []);
      assert.equal(report.connectionError, null);
      assert.ok(ids(report).includes(t.finding), `findings: ${ids(report).join(', ')}`);
      t.check?.(report);
    });
  }
});

describe('lab set-up', () => {
  test('the listing names every endpoint with a probe command and the client cert paths', () => {
    const listing = labListing(lab);
    for (const e of lab.endpoints) assert.ok(listing.includes(probeCommandFor(lab, e)));
    assert.ok(listing.includes(`--cert ${lab.files.client} --key ${lab.files.clientKey}`));
    assert.match(probeCommandFor(lab, lab.endpoint('no-staple')), /--ocsp-fetch/);
    assert.match(
      probeCommandFor(lab, lab.endpoint('healthy')),
      /^tlsflight probe 127\.0\.0\.1:\d+ --sni localhost --ca /,
    );
  });

  test('a config file replaces the endpoint set, with the healthy defaults', async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-lab-test-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'lab.json');
    await writeFile(
      file,
      JSON.stringify({ endpoints: [{ name: 'mine', staple: 'revoked', maxVersion: '1.2' }] }),
    );
    const small = await startLab({ endpoints: readLabConfig(file) });
    t.after(() => small.close());
    assert.deepEqual(
      small.endpoints.map((e) => [e.name, e.spec.staple, e.spec.tickets]),
      [['mine', 'revoked', true]],
    );
  });

  const badConfigs = [
    {
      name: 'unknown field',
      doc: { endpoints: [{ name: 'x', stapel: 'good' }] },
      says: "unknown field 'stapel'",
    },
    {
      name: 'bad value',
      doc: { endpoints: [{ name: 'x', staple: 'fine' }] },
      says: 'staple "fine"',
    },
    { name: 'no name', doc: { endpoints: [{ staple: 'good' }] }, says: 'needs a name' },
    {
      name: 'duplicate names',
      doc: { endpoints: [{ name: 'x' }, { name: 'x' }] },
      says: "'x' appears twice",
    },
    { name: 'no endpoints', doc: {}, says: 'expected { "endpoints"' },
  ];
  for (const c of badConfigs) {
    test(`a config with ${c.name} is a usage error`, async (t) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-lab-test-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const file = path.join(dir, 'lab.json');
      await writeFile(file, JSON.stringify(c.doc));
      assert.throws(
        () => readLabConfig(file),
        (err: unknown) =>
          err instanceof TlsflightError &&
          err.code === 'BAD_OPTION' &&
          err.message.includes(c.says),
      );
    });
  }

  test('an unknown endpoint name is a usage error listing the known ones', async () => {
    await assert.rejects(
      startLab({ only: ['nope'] }),
      /unknown lab endpoint 'nope': known are healthy, tls12/,
    );
  });

  test('a second run with --dir keeps the CAs, so the old --ca file still verifies', async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-lab-test-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await startLab({ dir, only: ['healthy'] });
    const rootPem = await readFile(first.files.ca!, 'latin1');
    const leafPem = await readFile(first.files.leaf!, 'latin1');
    await first.close();
    const second = await startLab({ dir, only: ['healthy'] });
    t.after(() => second.close());
    assert.equal(await readFile(second.files.ca!, 'latin1'), rootPem);
    assert.notEqual(await readFile(second.files.leaf!, 'latin1'), leafPem);
    const e = second.endpoint('healthy');
    const setup = prepareSetup({ caFiles: [path.join(dir, 'ca.pem')], credentials: [] });
    const report = await runProbe(
      probeOptions({ host: e.sni, port: e.port }, { connectTo: e.host }),
      setup,
    );
    assert.equal(report.chain?.trusted, true);
    assert.equal(report.stapling?.state, 'good');
  });
});

describe('the lab and demo commands', () => {
  test('tlsflight lab prints its endpoints and stops cleanly on SIGTERM', async () => {
    const run = await runCli(['lab', '--only', 'healthy,tickets-off'], {
      stop: { until: /Ctrl-C stops the lab/, signal: 'SIGTERM' },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^tickets-off +TLS 1\.3 without tickets/m);
    assert.match(run.stderr, /SIGTERM, stopping/);
    const dir = /PKI in (\S+)/.exec(run.stdout)?.[1];
    assert.ok(dir && !existsSync(dir), 'the temporary PKI folder is gone');
  });

  test('tlsflight demo probes its endpoints, prints the side-by-side and exits 0', async () => {
    const run = await runCli(['demo', '--rtt', '0', '--no-color']);
    assert.equal(run.code, 0, run.stderr);
    const table = run.stdout.slice(run.stdout.indexOf('Side by side'));
    assert.match(table, /^healthy +- +\d+ ms +3 \(tls 1\) +good +yes +none$/m);
    assert.match(table, /^no-staple-no-tickets +- .* missing +no ticket +none$/m);
    assert.match(table, /^mtls-required +- .* required, rejected$/m);
    assert.match(table, /^mtls-required +client CA 1 .* yes +required, accepted$/m);
  });
});
