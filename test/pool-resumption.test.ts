/** Resumption rate and its cause, and tickets held for a while (--ticket-age). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderText } from '../src/render/text.js';
import { pkiFixture } from './support/fixtures.js';
import { startOpenSslServer } from './support/openssl-server.js';
import { probeLocalPool, startPoolNginx, startTerminator, ticketKey } from './support/pool.js';

describe('pool resumption rate', () => {
  it('finds 50% and "no new ticket issued on a resumed handshake" on a Node server', async (t) => {
    const fx = await pkiFixture(t);
    const server = await startTerminator(t, fx);
    const { report, pool } = await probeLocalPool(fx, [server.port], { resumptionAttempts: '10' });
    const rate = pool.resumptionRate!;

    assert.equal(rate.attempts, 10);
    assert.equal(rate.resumed, 5);
    assert.equal(rate.ratePercent, 50);
    assert.equal(rate.cause, 'no new ticket issued on a resumed handshake');
    // Node sends 2 tickets after a full TLS 1.3 handshake and none after a resumed one.
    assert.equal(rate.fullHandshakes, 6);
    assert.equal(rate.ticketsOnFull, 12);
    assert.equal(rate.ticketsOnResumed, 0);
    assert.deepEqual(
      rate.links.slice(0, 4).map((l) => [l.offered, l.resumed]),
      [
        [false, false],
        [true, true],
        [false, false],
        [true, true],
      ],
    );
    assert.equal(rate.benefit.roundTripsFull, 1);
    assert.equal(rate.benefit.roundTripsResumed, 1);
    const f = report.findings.find((x) => x.id === 'pool.resumption-shortfall');
    assert.equal(f?.severity, 'warn');
    assert.match(
      f!.title,
      /5 of 10 attempts resumed \(50%\): no new ticket issued on a resumed handshake/,
    );
    const text = renderText(report, { color: false, verbose: false });
    assert.match(
      text,
      /Resumption +5 of 10 attempts resumed \(50%\): no new ticket issued on a resumed handshake/,
    );
    assert.match(text, /tickets 12 on 6 full, 0 on 5 resumed/);
  });

  it(
    'finds "tickets issued but never accepted" when the ticket key rotates on every ' +
      'connection',
    async (t) => {
      const fx = await pkiFixture(t);
      const server = await startTerminator(t, fx);
      server.server.on('connection', () => server.server.setTicketKeys(ticketKey()));
      const { pool } = await probeLocalPool(fx, [server.port], { resumptionAttempts: '6' });
      const rate = pool.resumptionRate!;

      assert.equal(rate.resumed, 0);
      assert.equal(rate.ratePercent, 0);
      assert.equal(rate.cause, 'tickets issued but never accepted');
      assert.equal(rate.ticketsOnFull, 14);
      assert.ok(rate.links.slice(1).every((l) => l.offered && !l.resumed));
    },
  );

  it('finds "no tickets issued" on openssl s_server -num_tickets 0', async (t) => {
    const fx = await pkiFixture(t);
    const f = fx.files;
    const server = await startOpenSslServer([
      '-cert',
      f.leaf!,
      '-key',
      f.leafKey!,
      '-cert_chain',
      f.intermediate!,
      '-num_tickets',
      '0',
      '-www',
    ]);
    t.after(() => server.close());
    const { pool } = await probeLocalPool(fx, [server.port], {
      resumptionAttempts: '3',
      tls: '1.3',
    });

    assert.equal(pool.addresses[0]?.ticketsIssued, 0);
    assert.equal(pool.resumptionRate?.cause, 'no tickets issued');
    assert.equal(pool.resumptionRate?.ratePercent, 0);
  });

  it(
    'finds "tickets issued but never accepted" on ' + 'nginx with tickets off and no session cache',
    async (t) => {
      // TLS 1.3 with ssl_session_tickets off still sends (stateful) tickets;
      // no cache remembers them.
      const fx = await pkiFixture(t);
      const nginx = await startPoolNginx(t, fx, { sessionTickets: false, sessionCache: 'off' });
      const { pool } = await probeLocalPool(fx, [nginx.port], { resumptionAttempts: '3' });

      assert.equal(pool.addresses[0]?.ticketsIssued, 2);
      assert.equal(pool.resumptionRate?.cause, 'tickets issued but never accepted');
    },
  );
});

describe('pool ticket age', () => {
  it(
    'reports "rejected at age X s although the ' + 'lifetime hint is 300 s" after an nginx reload',
    async (t) => {
      const fx = await pkiFixture(t);
      // No ssl_session_ticket_key: each configuration load makes new random ticket keys.
      const nginx = await startPoolNginx(t, fx);
      const holdTicket = async (ms: number) => {
        await nginx.reload();
        await sleep(ms);
      };
      const { report, pool } = await probeLocalPool(
        fx,
        [nginx.port],
        { ticketAge: '1', resumptionAttempts: '1' },
        { holdTicket },
      );
      const age = pool.ticketAge!;

      assert.equal(age.verdict, 'rejected-before-lifetime');
      assert.equal(age.lifetimeHintSeconds, 300);
      assert.ok(age.ageSeconds! >= 1, `age ${age.ageSeconds}`);
      assert.match(age.sentence, /^rejected at age \d+\.\d s although the lifetime hint is 300 s$/);
      const f = report.findings.find((x) => x.id === 'pool.ticket-age-rejected');
      assert.equal(f?.severity, 'warn');
      assert.match(
        renderText(report, { color: false, verbose: false }),
        /Ticket age +127\.0\.0\.1: rejected at age \d+\.\d s although/,
      );
    },
  );

  it('reports the ticket resumed at its age when nginx keeps its keys', async (t) => {
    const fx = await pkiFixture(t);
    const nginx = await startPoolNginx(t, fx);
    const { pool } = await probeLocalPool(fx, [nginx.port], {
      ticketAge: '0.5',
      resumptionAttempts: '1',
    });

    assert.equal(pool.ticketAge?.verdict, 'resumed');
    assert.match(pool.ticketAge!.sentence, /^resumed at age 0\.\d s \(lifetime hint 300 s\)$/);
  });
});
