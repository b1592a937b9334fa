/** Ticket keys across a pool: the matrix of ticket offers and the sharing verdict a user reads. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderText } from '../src/render/text.js';
import { pkiFixture } from './support/fixtures.js';
import {
  matrixCells,
  probeLocalPool,
  startPoolNginx,
  startTerminator,
  ticketKey,
} from './support/pool.js';

describe('pool ticket keys', () => {
  it(
    'names the groups when two Node terminators ' + 'share a ticket key and a third has its own',
    async (t) => {
      const fx = await pkiFixture(t);
      const shared = ticketKey();
      const a = await startTerminator(t, fx, { ticketKeys: shared });
      const b = await startTerminator(t, fx, { ticketKeys: shared });
      const c = await startTerminator(t, fx, { ticketKeys: ticketKey() });
      const { report, pool } = await probeLocalPool(fx, [a.port, b.port, c.port], {
        resumptionAttempts: '4',
      });
      const [la, lb, lc] = pool.addresses.map((r) => r.address);

      const m = pool.ticketMatrix!;
      assert.equal(m.mechanism, 'ticket');
      assert.deepEqual(matrixCells(m), [
        `${la}>${la}=yes`,
        `${la}>${lb}=yes`,
        `${la}>${lc}=no`,
        `${lb}>${la}=yes`,
        `${lb}>${lb}=yes`,
        `${lb}>${lc}=no`,
        `${lc}>${la}=no`,
        `${lc}>${lb}=no`,
        `${lc}>${lc}=yes`,
      ]);
      assert.equal(m.verdict, 'groups');
      assert.deepEqual(m.groups, [
        { name: 'A', addresses: [la, lb] },
        { name: 'B', addresses: [lc] },
      ]);
      assert.match(m.meaning, /a client moved to another group pays a full handshake/);
      const f = report.findings.find((x) => x.id === 'pool.ticket-keys-groups');
      assert.equal(f?.severity, 'warn');
      assert.equal(f?.title, `Ticket keys shared by groups: A: ${la}, ${lb}; B: ${lc}.`);
      // Round-robin over the pool: offers that land on the other group are rejected.
      assert.equal(pool.resumptionRate?.cause, 'tickets accepted only by some terminators');

      const text = renderText(report, { color: false, verbose: false });
      assert.match(text, /Ticket keys +shared by groups \(A: .*; B: .*\)/);
      assert.match(text, new RegExp(`\\n  ${la.replace(/\./g, '\\.')} +yes +yes +no\\n`));
    },
  );

  it('says "shared by none" when each Node terminator keeps its own key', async (t) => {
    const fx = await pkiFixture(t);
    const a = await startTerminator(t, fx);
    const b = await startTerminator(t, fx);
    const { report, pool } = await probeLocalPool(fx, [a.port, b.port], {
      resumptionAttempts: '4',
    });

    assert.equal(pool.ticketMatrix?.verdict, 'none');
    assert.deepEqual(
      pool.ticketMatrix?.cells.map((c) => c.resumed),
      ['yes', 'no', 'no', 'yes'],
    );
    assert.match(
      pool.ticketMatrix!.meaning,
      new RegExp(
        /^No terminator accepts another's tickets: a client moved by the load /.source +
          /balancer pays a full handshake/.source,
      ),
    );
    assert.ok(
      report.findings.some((x) => x.id === 'pool.ticket-keys-unshared' && x.severity === 'warn'),
    );
    // Every connection of the chain moves to the other terminator: nothing resumes.
    assert.equal(pool.resumptionRate?.resumed, 0);
    assert.equal(pool.resumptionRate?.cause, 'tickets accepted only by some terminators');
  });

  it(
    'says "shared by all" for two nginx terminators ' + 'reading one ssl_session_ticket_key file',
    async (t) => {
      const fx = await pkiFixture(t);
      const keyFile = path.join(fx.dir, 'ticket.key');
      await writeFile(keyFile, ticketKey());
      const a = await startPoolNginx(t, fx, { ticketKeyFile: keyFile });
      const b = await startPoolNginx(t, fx, { ticketKeyFile: keyFile });
      const { report, pool } = await probeLocalPool(fx, [a.port, b.port], {
        resumptionAttempts: '4',
      });

      assert.equal(pool.ticketMatrix?.verdict, 'shared-by-all');
      assert.deepEqual(
        pool.ticketMatrix?.cells.map((c) => c.resumed),
        ['yes', 'yes', 'yes', 'yes'],
      );
      assert.ok(
        report.findings.some((x) => x.id === 'pool.ticket-keys-shared' && x.severity === 'ok'),
      );
      // OpenSSL issues a new ticket on resumption, so the chain resumes every time.
      assert.equal(pool.resumptionRate?.ratePercent, 100);
      assert.equal(pool.resumptionRate?.cause, null);
      // Two nginx masters, no shared cache: TLS 1.2 session IDs do not cross.
      assert.equal(pool.sessionIdMatrix?.verdict, 'none');
    },
  );

  it(
    'shows a TLS 1.2 session cache shared by ' + 'two Node terminators as "shared by all"',
    async (t) => {
      const fx = await pkiFixture(t);
      const store = new Map<string, Buffer>();
      const cache = (server: import('node:https').Server) => {
        server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
          store.set(id.toString('hex'), data);
          done();
        });
        server.on('resumeSession', (id: Buffer, done: (err: null, data: Buffer | null) => void) =>
          done(null, store.get(id.toString('hex')) ?? null),
        );
      };
      const a = await startTerminator(t, fx);
      const b = await startTerminator(t, fx);
      cache(a.server);
      cache(b.server);
      const { pool } = await probeLocalPool(fx, [a.port, b.port], { resumptionAttempts: '2' });

      assert.equal(pool.sessionIdMatrix?.mechanism, 'session-id');
      assert.equal(pool.sessionIdMatrix?.verdict, 'shared-by-all');
      assert.equal(pool.ticketMatrix?.verdict, 'none');
    },
  );
});
