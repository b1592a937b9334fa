/** Every terminator compared: one row per address and INCONSISTENT findings naming each side. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareAddresses } from '../src/pool/consistency.js';
import { parsePoolEntry } from '../src/pool/members.js';
import { membersFor, toPoolRequest } from '../src/pool/options.js';
import { renderText } from '../src/render/text.js';
import type { Report } from '../src/report/model.js';
import { poolRow } from './support/advice.js';
import { goodStaple, pkiFixture } from './support/fixtures.js';
import { probeLocalPool, startTerminator } from './support/pool.js';

describe('pool addresses', () => {
  it(
    'names the terminator that does not staple: ' + '"stapling missing on 1 of 2 addresses"',
    async (t) => {
      // The leaf names an OCSP responder (never contacted), so a missing staple is a fault.
      const fx = await pkiFixture(t, 'http://ocsp.tlsflight.test/');
      const staple = goodStaple(fx.pki);
      const stapling = await startTerminator(t, fx, { staple });
      const silent = await startTerminator(t, fx);
      const { report, pool } = await probeLocalPool(fx, [stapling.port, silent.port]);

      const labels = pool.addresses.map((r) => r.address);
      assert.deepEqual(labels, [`127.0.0.1:${stapling.port}`, `127.0.0.1:${silent.port}`]);
      assert.deepEqual(
        pool.addresses.map((r) => r.staple?.state),
        ['good', 'missing'],
      );
      assert.equal(pool.addresses[0]!.staple?.fresh, true);
      assert.equal(pool.addresses[0]!.staple?.forThisCertificate, true);
      const inconsistent = pool.inconsistencies.find((i) => i.column === 'staple');
      assert.ok(inconsistent, 'a staple inconsistency');
      assert.match(
        inconsistent.sentence,
        new RegExp(`^stapling missing on 1 of 2 addresses \\(127\\.0\\.0\\.1:${silent.port}\\)`),
      );
      assert.deepEqual(inconsistent.sides, [
        { value: 'good', addresses: [labels[0]] },
        { value: 'missing', addresses: [labels[1]] },
      ]);
      const f = report.findings.find((x) => x.id === 'pool.inconsistent.staple');
      assert.equal(f?.severity, 'warn');
      assert.match(f!.title, /^INCONSISTENT: stapling missing on 1 of 2 addresses/);
      // The rest of the rows agree: same leaf, same key, same version.
      assert.equal(new Set(pool.addresses.map((r) => r.leafSha256)).size, 1);
      assert.deepEqual(pool.addresses[0]!.tlsVersions, ['TLSv1.3', 'TLSv1.2']);
      assert.equal(pool.addresses[0]!.roundTrips, 1);
      assert.deepEqual(
        pool.inconsistencies.map((i) => i.column),
        ['staple'],
      );
      const text = renderText(report, { color: false, verbose: false });
      assert.match(text, /INCONSISTENT staple: stapling missing on 1 of 2 addresses/);
    },
  );

  it('flags the terminator that serves an incomplete chain as a fail', async (t) => {
    const fx = await pkiFixture(t);
    const full = await startTerminator(t, fx);
    const second = await startTerminator(t, fx);
    const leafOnly = await startTerminator(t, fx, { cert: fx.pki.leaf.certPem });
    const { report, pool } = await probeLocalPool(fx, [full.port, second.port, leafOnly.port]);

    assert.deepEqual(
      pool.addresses.map((r) => r.chainComplete),
      [true, true, false],
    );
    const inconsistent = pool.inconsistencies.find((i) => i.column === 'chainComplete');
    assert.match(
      inconsistent?.sentence ?? '',
      new RegExp(`^incomplete chain on 1 of 3 addresses \\(127\\.0\\.0\\.1:${leafOnly.port}\\)`),
    );
    const f = report.findings.find((x) => x.id === 'pool.inconsistent.chainComplete');
    assert.equal(f?.severity, 'fail');
  });

  it('says "the IPv6 address serves an incomplete chain" when the family is the clue', () => {
    const row = (address: string, family: 4 | 6, chainComplete: boolean) => ({
      ...poolRow(address, 'good'),
      family,
      chainComplete,
    });
    const rows = [
      row('192.0.2.1', 4, true),
      row('192.0.2.2', 4, true),
      row('2001:db8::1', 6, false),
    ];
    const { inconsistencies } = compareAddresses(rows);
    assert.equal(
      inconsistencies[0]?.sentence,
      'the IPv6 address (2001:db8::1) serves an incomplete chain; complete chain on 192.0.2.1, ' +
        '192.0.2.2',
    );
  });

  it('becomes a pool probe for a name with several addresses, or when asked', () => {
    const target = { host: 'api.example.test', port: 443 };
    const report = (resolved: string[]) =>
      ({ target: { ...target, resolved } }) as unknown as Report;
    const two = ['192.0.2.1', '2001:db8::1'];
    const cases = [
      {
        name: 'two addresses: on by default',
        flags: {},
        resolved: two,
        want: ['192.0.2.1', '2001:db8::1'],
      },
      {
        name: '--no-all-addresses turns it off',
        flags: { allAddresses: false },
        resolved: two,
        want: null,
      },
      { name: 'one address: off by default', flags: {}, resolved: ['192.0.2.1'], want: null },
      {
        name: '--all-addresses with one address',
        flags: { allAddresses: true },
        resolved: ['192.0.2.1'],
        want: ['192.0.2.1'],
      },
      {
        name: '--ticket-age asks for it',
        flags: { ticketAge: '5' },
        resolved: ['192.0.2.1'],
        want: ['192.0.2.1'],
      },
      {
        name: 'repeated --connect-to',
        flags: { connectTo: ['192.0.2.8', '192.0.2.9'] },
        resolved: ['192.0.2.8'],
        want: ['192.0.2.8', '192.0.2.9'],
      },
      {
        name: 'one --connect-to alone',
        flags: { connectTo: ['192.0.2.8'] },
        resolved: ['192.0.2.8'],
        want: null,
      },
      { name: '--pool-max bounds it', flags: { poolMax: '1' }, resolved: two, want: ['192.0.2.1'] },
    ];
    for (const c of cases) {
      const chosen = membersFor(toPoolRequest(c.flags, target), report(c.resolved));
      assert.deepEqual(chosen?.members.map((m) => m.label) ?? null, c.want, c.name);
    }
    const bounded = membersFor(toPoolRequest({ poolMax: '1' }, target), report(two));
    assert.deepEqual(bounded?.omitted, ['2001:db8::1']);
  });

  it('reads pool entries as ip, ip:port or [v6]:port and refuses anything else', () => {
    const cases = [
      {
        name: 'bare IPv4 takes the target port',
        entry: '192.0.2.7',
        label: '192.0.2.7',
        port: 443,
      },
      { name: 'IPv4 with a port', entry: '127.0.0.1:8443', label: '127.0.0.1:8443', port: 8443 },
      { name: 'bracketed IPv6 with a port', entry: '[::1]:8443', label: '[::1]:8443', port: 8443 },
      { name: 'bare IPv6', entry: '2001:db8::1', label: '2001:db8::1', port: 443 },
    ];
    for (const c of cases) {
      const m = parsePoolEntry(c.entry, 443);
      assert.deepEqual([m.label, m.port], [c.label, c.port], c.name);
    }
    for (const bad of ['example.com', '127.0.0.1:0', '[::1]:99999', '127.0.0.1:https', ',']) {
      assert.throws(() => toPoolRequest({ pool: bad }, { host: 'h', port: 443 }), {
        code: 'BAD_OPTION',
      });
    }
    assert.throws(
      () =>
        toPoolRequest({ pool: '127.0.0.1', connectTo: ['127.0.0.2'] }, { host: 'h', port: 443 }),
      {
        code: 'BAD_OPTION',
      },
    );
  });
});
