/**
 * The Markdown report as a pull-request comment shows it, from real servers on 127.0.0.1: the
 * facts, the round trips and RTT, the what-if table, the pool table with its ticket-key verdict
 * and resumption rate, and one verdict row per client certificate offered.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderMarkdown } from '../src/render/markdown.js';
import { filePki, probeLocal, serverIdentity, startHttpsServer } from './support/fixtures.js';
import { probeLocalPool, startTerminator, ticketKey } from './support/pool.js';

/** The leaf names no OCSP responder, so no side trip enters the round trips. */
const fx = await filePki();

/** The lines of a rendered report, for exact-line assertions. */
const linesOf = (markdown: string) => markdown.split('\n');

/** The cells of one Markdown table row. */
const cellsOf = (row: string) => row.replace(/^\| | \|$/g, '').split(' | ');

/** The line right after `header` and its rule: the first row of that table. */
function rowAfter(lines: string[], header: string): string | undefined {
  const i = lines.indexOf(header);
  assert.notEqual(i, -1, `no table headed ${header}`);
  return lines[i + 2];
}

describe('Markdown report', () => {
  test(
    'a TLS 1.3 endpoint: facts, 1 + 1 + 1 = 3 ' + 'round trips with the RTT, no other section',
    async (t) => {
      const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
      const markdown = renderMarkdown(await probeLocal(port, fx, { resumption: false }));
      const lines = linesOf(markdown);

      assert.equal(lines[0], `### tlsflight: \`localhost:${port}\``);
      assert.ok(lines.includes(`| Target | \`localhost:${port}\` (SNI \`localhost\`) |`));
      assert.match(
        markdown,
        /^\| TLS \| TLSv1\.3 TLS_AES_256_GCM_SHA384 X25519 ALPN http\/1\.1 \|$/m,
      );
      assert.match(
        markdown,
        /^\*\*Round trips\*\*: RTT \d+\.\d ms from (TCP connect|the TLS flight spacing) \(.+\)\.$/m,
      );
      assert.equal(
        rowAfter(lines, '| TCP | TLS | HTTP | Extra | Total |'),
        '| 1 | 1 | 1 | 0 | **3** |',
      );
      assert.match(
        markdown,
        new RegExp(
          /^In RTT: dns [\d.]+, tcp [\d.]+, tls [\d.]+, server [\d.]+; first server /.source +
            /flight \d+ B fits the initial window\.$/.source,
          'm',
        ),
      );
      for (const absent of ['**What-if**', '**Pool**', '**Client auth**']) {
        assert.ok(!markdown.includes(absent), `${absent} appears without its data`);
      }
      assert.ok(lines.includes('| | Finding | What it means |'));
    },
  );

  test('--rtt 50,300: the visits and what each control saves, in ms per RTT', async (t) => {
    const { port } = await startHttpsServer(t, serverIdentity(fx.pki));
    const lines = linesOf(renderMarkdown(await probeLocal(port, fx, { whatIfRtts: [50, 300] })));

    assert.ok(
      lines.includes(
        '**What-if**: round trips × RTT of a visit (TCP + TLS + one request), in ms; no DNS, no ' +
          'server time',
      ),
    );
    assert.equal(
      rowAfter(lines, '| Visit | RT | 50 ms | 300 ms |'),
      '| first visit, as measured | 3 | 150 | 900 |',
    );
    assert.ok(lines.includes('| repeat visit, as measured | 3 | 150 | 900 |'));
    assert.equal(
      rowAfter(
        lines,
        '| Control | RT with ↔ without | RT saved | saves at 50 ms | saves at 300 ms | ' +
          'Endpoint |',
      ),
      '| TLS 1.3 (vs 1.2) | 3↔4 | 1 | 50 | 300 | has it |',
    );
    // TLS 1.3 resumption costs the same round trips as a full handshake.
    assert.ok(lines.includes('| session resumption | 3↔3 | 0 | 0 | 0 | - |'));
    assert.ok(lines.includes('| keep-alive (vs new connection) | 1↔3 | 2 | 100 | 600 | - |'));
    assert.ok(lines.some((l) => l.startsWith('_TLS 1.3 resumes in 1 RTT like a full handshake')));
  });

  test(
    'client certificates: the mode, the CA ' + 'names and one verdict row per certificate',
    async (t) => {
      const { port } = await startHttpsServer(t, {
        ...serverIdentity(fx.pki),
        requestCert: true,
        rejectUnauthorized: true,
        ca: [fx.pki.clientRoot.certPem],
      });
      const credentials = [
        { cert: fx.files.client!, key: fx.files.clientKey! },
        { cert: fx.files.client2!, key: fx.files.client2Key! },
      ];
      const report = await probeLocal(port, fx, { resumption: false }, { credentials });
      const lines = linesOf(renderMarkdown(report));

      assert.ok(lines.includes('| Client auth | required |'));
      assert.ok(
        lines.includes(
          '**Client auth**: required; without a certificate: rejected; CA names: `CN=tlsflight ' +
            'client CA 1`',
        ),
      );
      assert.equal(
        rowAfter(lines, '| | Certificate | Source | Verdict | Where | Issuer listed |'),
        `| ✅ | CN=tlsflight client 1 | ${fx.files.client} | accepted | - | yes |`,
      );
      // Node closes the connection without an alert for a certificate from another CA.
      assert.ok(
        lines.includes(
          `| ❌ | CN=tlsflight client 2 | ${fx.files.client2} | rejected | ` +
            `closed-before-response ` +
            `| no |`,
        ),
      );
    },
  );

  test(
    'a pool of three, two sharing a ticket key: ' + 'a row per address, the groups, the rate',
    async (t) => {
      const shared = ticketKey();
      const a = await startTerminator(t, fx, { ticketKeys: shared });
      const b = await startTerminator(t, fx, { ticketKeys: shared });
      const c = await startTerminator(t, fx, { ticketKeys: ticketKey() });
      const { report } = await probeLocalPool(fx, [a.port, b.port, c.port], {
        resumptionAttempts: '4',
      });
      const lines = linesOf(renderMarkdown(report));
      const [la, lb, lc] = [a, b, c].map((s) => `127.0.0.1:${s.port}`);

      assert.ok(lines.includes('**Pool**: 3 address(es) from pool, SNI localhost'));
      const header =
        '| address | leaf | key | chain | staple | TLS | ALPN | tickets | client auth | RTs | ' +
        'tls ' +
        'ms |';
      const first = lines.indexOf(header) + 2;
      for (const [i, address] of [la, lb, lc].entries()) {
        const [shown, leaf, key, ...rest] = cellsOf(lines[first + i] ?? '');
        assert.equal(shown, address);
        assert.match(`${leaf} ${key}`, /^[0-9a-f]{12} [0-9a-f]{12}$/);
        const tlsMs = rest.pop();
        assert.deepEqual(rest, [
          'complete',
          'not-applicable',
          '1.3+1.2',
          'http/1.1',
          '2',
          'none',
          '1',
        ]);
        assert.match(tlsMs ?? '', /^\d+\.\d$/);
      }
      assert.ok(
        lines.includes(
          `- **Ticket keys**: shared by groups (A: ${la}, ${lb}; B: ${lc}). ` +
            `${report.pool!.ticketMatrix!.meaning}`,
        ),
      );
      // Round robin a, b, c, a, b: b resumes a's ticket; Node sends no ticket on a resumed
      // handshake, so c starts afresh; a refuses c's ticket (another group); b resumes a's again.
      const rate = new RegExp(
        `^- \\*\\*Resumption rate\\*\\*: 2 of 4 attempts resumed \\(50%\\): tickets accepted ` +
          `only ` +
          `by some terminators \\(offers rejected on ${la.replace(/\./g, '\\.')}\\); tickets 6 ` +
          `on 3 full, 0 on 2 resumed; TLS \\d+\\.\\d+ ms full vs \\d+\\.\\d+ ms resumed \\(1 vs ` +
          `1 RT\\)\\.$`,
      );
      assert.ok(
        lines.some((l) => rate.test(l)),
        lines.filter((l) => l.startsWith('- ')).join('\n'),
      );
    },
  );
});
