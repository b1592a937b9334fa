/**
 * The decision matrix per traffic shape. Three reports come from real servers on 127.0.0.1
 * (modern: TLS 1.3 + h2 + staple + tickets; legacy: TLS 1.2, no staple, tickets never
 * accepted; mtls: client certificate required; hrr: P-256 only, so a HelloRetryRequest); the
 * rest are copies of one of them altered field by field (named "derived" below), for states a
 * local server cannot cheaply produce (pools, early data, CA lists, an untrusted chain).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advise } from '../src/advice/advise.js';
import { renderAdviceMarkdown, renderAdviceText } from '../src/advice/render.js';
import { CONTROLS } from '../src/advice/rules.js';
import type { Advice, Shape } from '../src/advice/types.js';
import type { Report } from '../src/report/model.js';
import {
  altered,
  poolOfRows,
  poolRow,
  rotateTicketKeysPerConnection,
  startH2Server,
} from './support/advice.js';
import {
  filePki,
  fileScope,
  goodStaple,
  type PkiFixture,
  probeLocal,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';

const reports: Record<'modern' | 'legacy' | 'mtls' | 'hrr', Report> = {} as never;
let fx: PkiFixture;

// Set up at module level: an `after` registered inside `before` would run before the tests.
{
  // The OCSP URL is never contacted (no --ocsp-fetch); it makes a missing staple matter.
  fx = await filePki('http://127.0.0.1:9/ocsp');
  const staple = goodStaple(fx.pki);
  const modern = await startH2Server(fileScope, { ...serverIdentity(fx.pki), staple });
  reports.modern = await probeLocal(modern.port, fx, { alpn: ['h2', 'http/1.1'] });
  const legacy = await startHttpsServer(fileScope, {
    ...serverIdentity(fx.pki),
    maxVersion: 'TLSv1.2',
  });
  rotateTicketKeysPerConnection(legacy.server);
  reports.legacy = await probeLocal(legacy.port, fx);
  const mtls = await startHttpsServer(fileScope, {
    ...serverIdentity(fx.pki),
    requestCert: true,
    rejectUnauthorized: true,
    ca: [fx.pki.clientRoot.certPem],
  });
  reports.mtls = await probeLocal(
    mtls.port,
    fx,
    {},
    { credentials: [{ cert: fx.files.client, key: fx.files.clientKey }] },
  );
  // P-256 only: OpenSSL's client sends an X25519 key share first, so the server asks again.
  const hrr = await startHttpsServer(fileScope, { ...serverIdentity(fx.pki), ecdhCurve: 'P-256' });
  reports.hrr = await probeLocal(hrr.port, fx);
}

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);
const measuredNotes = (a: Advice) =>
  [...a.watchOuts, ...a.diagnoses].filter((n) => n.measured).map((n) => n.id);

interface Row {
  name: string;
  shape: Shape;
  from: keyof typeof reports;
  /** Derived reports: the field-by-field change applied to the real one. */
  edit?: (r: Report) => void;
  first?: string;
  change?: string[];
  /** Changes that must be among the advice (others may be too). */
  has?: string[];
  right?: string[];
  notes?: string[];
  noNotes?: string[];
}

// biome-ignore format: one row per case reads as a table
const ROWS: Row[] = [
  { name: 'public API on a modern endpoint: TLS 1.3, h2, tickets and staple are already right', shape: 'public-api', from: 'modern',
    right: ['tls13', 'h2-h3', 'resumption', 'stapling', 'chain-valid'], change: [] },
  { name: 'public API on TLS 1.2 without staple or accepted tickets: the priority-1 controls come first', shape: 'public-api', from: 'legacy',
    change: ['h2-h3', 'resumption', 'stapling', 'tls13'] },
  { name: 'registry on the same endpoint: stapling is the first change', shape: 'registry', from: 'legacy', first: 'stapling' },
  { name: 'mesh without client authentication: mTLS is the first change', shape: 'mesh', from: 'modern', first: 'mtls' },
  { name: 'mesh with client certificates required but a 90-day client cert: mTLS is a change, not right', shape: 'mesh', from: 'mtls',
    has: ['mtls'], notes: ['watch.long-lived-client-cert'], noNotes: ['watch.ca-sprawl'] },
  { name: 'derived: mesh with required client certs and no long-lived one offered: mTLS right', shape: 'mesh', from: 'mtls',
    edit: (r) => { r.clientAuth!.offered = []; }, right: ['mtls'] },
  { name: 'public API asking browsers for a client certificate: the FAQ diagnosis says so', shape: 'public-api', from: 'mtls',
    notes: ['faq.mtls-on-browser-traffic'] },
  { name: 'registry asking for client certificates: keep mTLS only where policy demands it', shape: 'registry', from: 'mtls',
    notes: ['watch.mtls-without-policy'] },
  { name: 'public API never carries mesh-only rules', shape: 'public-api', from: 'mtls', noNotes: ['watch.ca-sprawl', 'watch.long-lived-client-cert'] },
  { name: 'HelloRetryRequest is a change for a mesh too', shape: 'mesh', from: 'hrr', has: ['mtls', 'no-hrr'] },
  { name: 'derived: tickets advertising early data raise the replay watch-out for a public API', shape: 'public-api', from: 'modern',
    edit: (r) => { r.resumption!.earlyDataAdvertised = true; }, notes: ['watch.early-data-replay'] },
  { name: 'derived: early data declared idempotent by the pool probe is no watch-out', shape: 'public-api', from: 'modern',
    edit: (r) => {
      r.resumption!.earlyDataAdvertised = true;
      r.pool = poolOfRows([poolRow('10.0.0.1', 'good')]);
      r.pool.earlyData = { ...r.pool.earlyData, advertised: true, result: 'accepted', idempotentDeclared: true };
    }, noNotes: ['watch.early-data-replay'] },
  { name: 'derived: a root sent needlessly makes the short chain the registry change', shape: 'registry', from: 'modern',
    edit: (r) => { r.chain!.rootIncluded = true; r.chain!.certificates.push({ ...r.chain!.certificates[1]!, index: 2, selfSigned: true }); },
    first: 'chain-size' },
  { name: 'derived: staples on some terminators only (pool): stapling change and the FAQ diagnosis', shape: 'registry', from: 'modern',
    edit: (r) => { r.pool = poolOfRows([poolRow('10.0.0.1', 'good'), poolRow('10.0.0.2', 'missing')]); },
    first: 'stapling', notes: ['faq.staples-on-some-terminators'] },
  { name: 'derived: terminators in two ticket groups raise the pool watch-out', shape: 'public-api', from: 'modern',
    edit: (r) => {
      r.pool = poolOfRows([poolRow('10.0.0.1', 'good'), poolRow('10.0.0.2', 'good')], {
        ticketMatrix: { mechanism: 'ticket', addresses: ['10.0.0.1', '10.0.0.2'], cells: [], verdict: 'none',
          groups: [{ name: 'A', addresses: ['10.0.0.1'] }, { name: 'B', addresses: ['10.0.0.2'] }], meaning: 'no sharing' },
      });
    }, notes: ['watch.pool-ticket-keys'] },
  { name: 'derived: a pool resumption rate of 50% makes resumption a change', shape: 'mesh', from: 'modern',
    edit: (r) => {
      r.pool = poolOfRows([poolRow('10.0.0.1', 'good')], {
        resumptionRate: { attempts: 10, resumed: 5, ratePercent: 50, fullHandshakes: 6, ticketsOnFull: 12, ticketsOnResumed: 0,
          cause: 'no new ticket issued on a resumed handshake', explanation: '5 of 10 attempts resumed (50%): no new ticket issued on a resumed handshake.',
          benefit: { tlsMsFull: 3, tlsMsResumed: 2, roundTripsFull: 1, roundTripsResumed: 1 }, links: [] },
      });
    }, change: ['mtls', 'resumption'] },
  { name: 'derived: three client CAs are CA sprawl in a mesh', shape: 'mesh', from: 'mtls',
    edit: (r) => { r.clientAuth!.acceptableCAs.push('CN=team b', 'CN=team c'); }, notes: ['watch.ca-sprawl'] },
  { name: 'derived: an untrusted chain is the first change, at fail, for every shape', shape: 'public-api', from: 'modern',
    edit: (r) => { r.chain!.trusted = false; r.chain!.trustError = 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'; }, first: 'chain-valid' },
];

describe('decision matrix per traffic shape', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const report = row.edit ? altered(reports[row.from], row.edit) : reports[row.from];
      const a = advise(report, { shape: row.shape, rttMs: 300 });
      if (row.first) assert.equal(a.change[0]?.id, row.first, JSON.stringify(ids(a.change)));
      if (row.change) assert.deepEqual(ids(a.change).sort(), [...row.change].sort());
      for (const id of row.has ?? [])
        assert.ok(ids(a.change).includes(id), `${id} change: ${ids(a.change)}`);
      for (const id of row.right ?? [])
        assert.ok(ids(a.right).includes(id), `${id} right: ${ids(a.right)}`);
      for (const id of row.notes ?? [])
        assert.ok(measuredNotes(a).includes(id), `${id} in ${measuredNotes(a)}`);
      for (const id of row.noNotes ?? [])
        assert.ok(!measuredNotes(a).includes(id), `${id} not in ${measuredNotes(a)}`);
    });
  }

  it('an untrusted chain is a fail finding, so --fail-on fail exits 1', () => {
    const report = altered(reports.modern, (r) => {
      r.chain!.trusted = false;
    });
    const a = advise(report, { shape: 'registry', rttMs: 300 });
    assert.equal(a.findings.find((f) => f.id === 'advice.chain-valid')?.severity, 'fail');
  });

  it('is one table: every control has a priority (1-3 or none) for each shape', () => {
    const matrix = Object.fromEntries(
      CONTROLS.map((c) => [c.id, [c.priority['public-api'], c.priority.registry, c.priority.mesh]]),
    );
    assert.deepEqual(matrix, {
      'chain-valid': [1, 1, 1],
      tls13: [1, 2, 2],
      'h2-h3': [1, 2, 3],
      resumption: [1, 2, 1],
      stapling: [1, 1, null],
      'chain-size': [2, 1, 3],
      'no-hrr': [2, 2, 2],
      reuse: [2, 1, 2],
      mtls: [null, null, 1],
    });
  });
});

describe('savings at the user RTT, from the flight model', () => {
  it('TLS 1.2 endpoint at 300 ms: TLS 1.3 saves 1 round trip = 300 ms, a staple 2 = 600 ms', () => {
    const a = advise(reports.legacy, { shape: 'public-api', rttMs: 300 });
    const tls13 = a.change.find((i) => i.id === 'tls13')!.saving!;
    const staple = a.change.find((i) => i.id === 'stapling')!.saving!;
    assert.deepEqual([tls13.roundTrips, tls13.ms, tls13.basis], [1, 300, 'what-if']);
    assert.deepEqual([staple.roundTrips, staple.ms], [2, 600]);
  });

  it('the same endpoint at --rtt 100: the same round trips, priced at 100 ms each', () => {
    const a = advise(reports.legacy, { shape: 'public-api', rttMs: 100 });
    assert.equal(a.change.find((i) => i.id === 'tls13')!.saving!.ms, 100);
    assert.equal(a.rttMs, 100);
  });

  it('HelloRetryRequest (2 TLS round trips measured) costs 1 round trip = 300 ms', () => {
    const hrr = advise(reports.hrr, { shape: 'public-api', rttMs: 300 }).change.find(
      (i) => i.id === 'no-hrr',
    )!;
    assert.deepEqual([hrr.saving!.roundTrips, hrr.saving!.ms], [1, 300]);
  });
});

describe('advice output', () => {
  it('text ranks the changes and prints each saving at the RTT', () => {
    const text = renderAdviceText(advise(reports.legacy, { shape: 'registry', rttMs: 300 }));
    assert.match(text, /shape registry {2}at RTT 300 ms/);
    assert.match(text, /1\. WARN OCSP stapling on every terminator: Staple missing/);
    assert.match(text, /saves 2 round trips = 600 ms/);
  });

  it('Markdown is a PR comment: heading, a ranked table, what is already right', () => {
    const md = renderAdviceMarkdown(advise(reports.modern, { shape: 'mesh', rttMs: 300 }));
    assert.match(md, /^### tlsflight advice: `localhost:\d+` \(mesh, RTT 300 ms\)/);
    assert.match(md, /\| 1 \| ⚠️ \| Mutual TLS with short-lived client certificates \|/);
    assert.match(md, /\*\*Already right\*\*/);
  });
});
