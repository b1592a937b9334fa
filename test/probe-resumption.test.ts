/**
 * Session resumption against real servers (Node tls, openssl s_server, nginx) on 127.0.0.1:
 * tickets counted although they arrive after the handshake, "issued" told apart from
 * "accepted", TLS 1.2 session IDs told apart from tickets, and openssl s_client's "Reused"
 * on the same endpoint as a second opinion.
 */
import assert from 'node:assert/strict';
import { constants, randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, test } from 'node:test';
import tls from 'node:tls';
import { startLatencyProxy } from '../src/lab/latency-proxy.js';
import type { Report, ResumptionInfo } from '../src/report/model.js';
import {
  filePki,
  findingIds,
  probeLocal,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';
import { startNginx } from './support/nginx.js';
import { runOpenSslClient, startOpenSslServer } from './support/openssl-server.js';

const fx = await filePki();

/** The resumption section, which every test here expects to exist. */
function resumptionOf(report: Report): ResumptionInfo {
  assert.equal(report.connectionError, null);
  assert.ok(report.resumption, 'the report has a resumption section');
  return report.resumption;
}

/** The one resumption.* verdict among the findings (resumed / not-accepted / no-ticket). */
function verdict(report: Report): string {
  const ids = ['resumption.resumed', 'resumption.not-accepted', 'resumption.no-ticket'];
  const found = findingIds(report).filter((id) => ids.includes(id));
  assert.equal(found.length, 1, `one resumption verdict, got ${found.join(', ')}`);
  return found[0]!;
}

/** TLS 1.2 pins for probes and servers. */
const TLS12 = { maxVersion: 'TLSv1.2' as const };

/**
 * Two `openssl s_client` runs: the first saves its session after reading the response, the
 * second offers it. Returns s_client's own "New"/"Reused" verdicts and ticket counts.
 */
async function sClientTwice(port: number, extra: string[] = []) {
  const sess = path.join(fx.dir, `sess-${port}.pem`);
  const base = ['-connect', `127.0.0.1:${port}`, '-servername', 'localhost'];
  const args = [...base, '-CAfile', fx.files.ca!, '-ign_eof', ...extra];
  // HTTP/1.0: the server closes after its answer, so s_client has read every ticket.
  const request = 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n';
  const first = await runOpenSslClient([...args, '-sess_out', sess], request);
  const second = await runOpenSslClient([...args, '-sess_in', sess], request);
  const summary = (out: string) => ({
    // The first such line is s_client's; s_server -www echoes another in its page.
    reused: /^(New|Reused), /m.exec(out)?.[1] === 'Reused',
    tickets: out.match(/^Post-Handshake New Session Ticket arrived:/gm)?.length ?? 0,
  });
  return { first: summary(first.stdout), second: summary(second.stdout) };
}

describe('TLS 1.3 tickets from a Node server', () => {
  test(
    'both tickets arrive after the handshake ' + 'and the next connection resumes with PSK',
    async (t) => {
      const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
      const report = await probeLocal(port, fx);
      const r = resumptionOf(report);

      assert.equal(report.handshake?.version, 'TLSv1.3');
      assert.equal(r.ticketsAfterFull.length, 2);
      for (const ticket of r.ticketsAfterFull) {
        assert.ok(ticket.arrivedAfterMs >= 0);
        assert.equal(ticket.lifetimeHintSeconds, 7200);
        assert.equal(ticket.maxEarlyData, null);
      }
      // The tickets are read from the capture: they follow the client's Finished.
      const messages = report.handshake?.messages ?? [];
      const clientFinished = messages.findIndex(
        (m) => m.from === 'client' && m.type === 'Finished',
      );
      const tickets = messages.flatMap((m, i) => (m.type === 'NewSessionTicket' ? [i] : []));
      assert.equal(tickets.length, 2);
      assert.ok(clientFinished >= 0 && tickets.every((i) => i > clientFinished));

      assert.deepEqual(
        {
          offered: r.offered,
          resumed: r.resumed,
          mechanism: r.mechanism,
          after: r.ticketsAfterResumed,
        },
        { offered: 'ticket', resumed: true, mechanism: 'psk', after: 0 },
      );
      assert.ok(r.appconnectFullMs !== null && r.appconnectResumedMs !== null);
      assert.equal(verdict(report), 'resumption.resumed');
      // Node issues no ticket on a resumed handshake; the probe says so, as info.
      assert.ok(findingIds(report).includes('resumption.no-ticket-on-resume'));
      assert.deepEqual(await sClientTwice(port), {
        first: { reused: false, tickets: 2 },
        second: { reused: true, tickets: 0 },
      });
    },
  );

  test(
    'trap: a client hanging up at secureConnect ' + 'sees no ticket; the probe sees both',
    async (t) => {
      const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
      const naive = await new Promise<number>((resolve) => {
        let sessions = 0;
        const ca = fx.pki.root.certPem;
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca });
        socket.on('session', () => sessions++);
        socket.on('secureConnect', () => socket.destroy());
        socket.on('close', () => resolve(sessions));
      });
      assert.equal(naive, 0);

      const r = resumptionOf(await probeLocal(port, fx));
      assert.equal(r.ticketsAfterFull.length, 2);
      assert.equal(r.resumed, true);
    },
  );

  test(
    'trap: behind 100 ms of RTT the tickets ' + 'come a round trip late and are still counted',
    async (t) => {
      const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
      const proxy = await startLatencyProxy({ targetPort: port, rttMs: 100 });
      t.after(() => proxy.close());
      const r = resumptionOf(await probeLocal(proxy.port, fx));

      assert.equal(r.ticketsAfterFull.length, 2);
      assert.ok(r.ticketsAfterFull.every((ticket) => ticket.arrivedAfterMs > 0));
      assert.equal(r.resumed, true);
      assert.equal(r.mechanism, 'psk');
    },
  );

  test(
    'SSL_OP_NO_TICKET still sends two ' + '(stateful) tickets, which Node never accepts',
    async (t) => {
      const { port } = await startHttpsServer(t, {
        ...serverIdentity(fx.pki),
        secureOptions: constants.SSL_OP_NO_TICKET,
      });
      const report = await probeLocal(port, fx);
      const r = resumptionOf(report);

      assert.equal(r.ticketsAfterFull.length, 2);
      assert.deepEqual([r.offered, r.resumed, r.mechanism], ['ticket', false, null]);
      assert.equal(verdict(report), 'resumption.not-accepted');
      const f = report.findings.find((x) => x.id === 'resumption.not-accepted');
      assert.equal(f?.severity, 'warn');
      assert.match(f?.title ?? '', /ticket was issued but not accepted/);
    },
  );

  test('ticket keys rotated on every TCP connection: issued, never accepted', async (t) => {
    const { server, port } = await startHttpsServer(t, serverIdentity(fx.pki));
    server.on('connection', () => server.setTicketKeys(randomBytes(48)));
    const report = await probeLocal(port, fx);
    const r = resumptionOf(report);

    assert.equal(r.ticketsAfterFull.length, 2);
    assert.equal(r.resumed, false);
    assert.equal(verdict(report), 'resumption.not-accepted');
    assert.equal((await sClientTwice(port)).second.reused, false);
  });

  test(
    "keys rotated in 'secureConnection' still resume: Node seals TLS 1.3 tickets after " + 'it',
    async (t) => {
      const { server, port } = await startHttpsServer(t, serverIdentity(fx.pki));
      server.on('secureConnection', () => server.setTicketKeys(randomBytes(48)));
      const report = await probeLocal(port, fx);
      assert.equal(resumptionOf(report).resumed, true);
      assert.equal(verdict(report), 'resumption.resumed');
    },
  );

  test('--no-resumption skips the second connection', async (t) => {
    const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
    const report = await probeLocal(port, fx, { resumption: false });
    assert.equal(report.resumption, null);
    assert.ok(!findingIds(report).some((id) => id.startsWith('resumption.')));
  });
});

describe('TLS 1.2 against Node servers: tickets versus session IDs', () => {
  test('a ticket resumes (mechanism ticket); without a session cache IDs do not', async (t) => {
    const { port } = await startHttpsServer(t, { ...serverIdentity(fx.pki), ...TLS12 });
    const report = await probeLocal(port, fx);
    const r = resumptionOf(report);

    assert.equal(report.handshake?.version, 'TLSv1.2');
    assert.equal(r.ticketsAfterFull.length, 1);
    assert.deepEqual([r.offered, r.resumed, r.mechanism], ['ticket', true, 'ticket']);
    assert.equal(r.sessionIdResumed, false);
    assert.equal(verdict(report), 'resumption.resumed');
    assert.ok(findingIds(report).includes('resumption.no-session-id-cache'));
  });

  test('tickets off and a newSession/resumeSession cache: resumed by session ID', async (t) => {
    const { server, port } = await startHttpsServer(t, {
      ...serverIdentity(fx.pki),
      ...TLS12,
      secureOptions: constants.SSL_OP_NO_TICKET,
    });
    const cache = new Map<string, Buffer>();
    server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      cache.set(id.toString('hex'), data);
      done();
    });
    server.on('resumeSession', (id: Buffer, done: (e: Error | null, s: Buffer | null) => void) =>
      done(null, cache.get(id.toString('hex')) ?? null),
    );
    const report = await probeLocal(port, fx);
    const r = resumptionOf(report);

    assert.deepEqual(r.ticketsAfterFull, []);
    assert.deepEqual([r.offered, r.resumed, r.mechanism], ['session-id', true, 'session-id']);
    assert.equal(r.sessionIdResumed, true);
    assert.equal(verdict(report), 'resumption.resumed');
    assert.match(report.findings.find((f) => f.id === 'resumption.resumed')!.title, /session-id/);
  });

  test(
    'ticket keys rotated on every TCP ' + 'connection: the TLS 1.2 ticket is not accepted',
    async (t) => {
      const { server, port } = await startHttpsServer(t, { ...serverIdentity(fx.pki), ...TLS12 });
      server.on('connection', () => server.setTicketKeys(randomBytes(48)));
      const report = await probeLocal(port, fx);
      const r = resumptionOf(report);

      assert.deepEqual([r.offered, r.resumed, r.sessionIdResumed], ['ticket', false, false]);
      assert.equal(verdict(report), 'resumption.not-accepted');
    },
  );
});

describe('openssl s_server, compared with openssl s_client -sess_out/-sess_in', () => {
  const identity = () => [
    ...['-cert', fx.files.leaf!, '-key', fx.files.leafKey!, '-cert_chain', fx.files.intermediate!],
    '-www',
  ];

  const cases = [
    {
      name: 'TLS 1.3 defaults: two tickets, one more after resuming',
      args: [],
      want: { tickets: 2, offered: 'ticket', resumed: true, mechanism: 'psk', after: 1, sid: null },
      verdict: 'resumption.resumed',
    },
    {
      name: 'TLS 1.3 -no_ticket: stateful tickets from its internal cache still resume',
      args: ['-no_ticket'],
      want: { tickets: 2, offered: 'ticket', resumed: true, mechanism: 'psk', after: 1, sid: null },
      verdict: 'resumption.resumed',
    },
    {
      name: 'TLS 1.3 -num_tickets 0: no ticket, nothing to offer',
      args: ['-num_tickets', '0'],
      want: { tickets: 0, offered: 'none', resumed: null, mechanism: null, after: null, sid: null },
      verdict: 'resumption.no-ticket',
    },
    {
      name: 'TLS 1.2 ticket, and its session cache also resumes IDs',
      args: ['-tls1_2'],
      want: {
        tickets: 1,
        offered: 'ticket',
        resumed: true,
        mechanism: 'ticket',
        after: 0,
        sid: true,
      },
      verdict: 'resumption.resumed',
    },
    {
      name: 'TLS 1.2 -no_ticket: session-ID cache only',
      args: ['-tls1_2', '-no_ticket'],
      want: {
        tickets: 0,
        offered: 'session-id',
        resumed: true,
        mechanism: 'session-id',
        after: 0,
        sid: true,
      },
      verdict: 'resumption.resumed',
    },
    {
      name: 'TLS 1.2 -no_ticket -no_cache: nothing resumable',
      args: ['-tls1_2', '-no_ticket', '-no_cache'],
      want: { tickets: 0, offered: 'none', resumed: null, mechanism: null, after: null, sid: null },
      verdict: 'resumption.no-ticket',
    },
  ];

  for (const c of cases) {
    test(c.name, async (t) => {
      const server = await startOpenSslServer([...identity(), ...c.args]);
      t.after(() => server.close());
      const report = await probeLocal(server.port, fx);
      const r = resumptionOf(report);

      const seen = {
        tickets: r.ticketsAfterFull.length,
        offered: r.offered,
        resumed: r.resumed,
        mechanism: r.mechanism,
        after: r.ticketsAfterResumed,
        sid: r.sessionIdResumed,
      };
      assert.deepEqual(seen, c.want);
      assert.equal(verdict(report), c.verdict);
      // openssl's own client agrees on the same endpoint.
      const openssl = await sClientTwice(server.port);
      assert.equal(openssl.second.reused, c.want.resumed === true);
      if (report.handshake?.version === 'TLSv1.3') {
        assert.equal(openssl.first.tickets, c.want.tickets);
      }
    });
  }
});

describe('nginx ssl_session_tickets and ssl_session_cache', () => {
  const cases = [
    {
      name: 'tickets on (default), TLS 1.3',
      opts: {},
      tls: '1.3' as const,
      want: { tickets: 2, offered: 'ticket', resumed: true, mechanism: 'psk', sid: null },
      verdict: 'resumption.resumed',
    },
    {
      name: 'tickets on (default), TLS 1.2, no session cache',
      opts: {},
      tls: '1.2' as const,
      want: { tickets: 1, offered: 'ticket', resumed: true, mechanism: 'ticket', sid: false },
      verdict: 'resumption.resumed',
    },
    {
      name: 'tickets off, no cache, TLS 1.3: stateful tickets that never resume',
      opts: { sessionTickets: false },
      tls: '1.3' as const,
      want: { tickets: 2, offered: 'ticket', resumed: false, mechanism: null, sid: null },
      verdict: 'resumption.not-accepted',
    },
    {
      name: 'tickets off, no cache, TLS 1.2: a session ID that never resumes',
      opts: { sessionTickets: false },
      tls: '1.2' as const,
      want: { tickets: 0, offered: 'session-id', resumed: false, mechanism: null, sid: false },
      verdict: 'resumption.not-accepted',
    },
    {
      name: 'tickets off, shared cache, TLS 1.3: resumed from the cache',
      opts: { sessionTickets: false, sessionCache: 'shared' as const },
      tls: '1.3' as const,
      want: { tickets: 2, offered: 'ticket', resumed: true, mechanism: 'psk', sid: null },
      verdict: 'resumption.resumed',
    },
    {
      name: 'tickets off, shared cache, TLS 1.2: resumed by session ID',
      opts: { sessionTickets: false, sessionCache: 'shared' as const },
      tls: '1.2' as const,
      want: {
        tickets: 0,
        offered: 'session-id',
        resumed: true,
        mechanism: 'session-id',
        sid: true,
      },
      verdict: 'resumption.resumed',
    },
  ];

  for (const c of cases) {
    test(c.name, async (t) => {
      const nginx = await startNginx({
        cert: fx.files.leaf!,
        key: fx.files.leafKey!,
        chain: fx.files.intermediate!,
        ...c.opts,
      });
      t.after(() => nginx.close());
      const report = await probeLocal(nginx.port, fx, {}, { tlsVersion: c.tls });
      const r = resumptionOf(report);

      const seen = {
        tickets: r.ticketsAfterFull.length,
        offered: r.offered,
        resumed: r.resumed,
        mechanism: r.mechanism,
        sid: r.sessionIdResumed,
      };
      assert.deepEqual(seen, c.want);
      assert.equal(verdict(report), c.verdict);
      // nginx's ticket lifetime hint is its ssl_session_timeout (5m by default).
      for (const ticket of r.ticketsAfterFull) assert.equal(ticket.lifetimeHintSeconds, 300);
      const pin = c.tls === '1.2' ? ['-tls1_2'] : ['-tls1_3'];
      const openssl = await sClientTwice(nginx.port, pin);
      assert.equal(openssl.second.reused, c.want.resumed === true);
    });
  }
});
