/**
 * `tlsflight scan`: the streaming target reader, the worker pool, the engine against real local
 * servers, and the command end to end (NDJSON on stdout, summary on stderr, exit codes).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, mock, test } from 'node:test';
import tls from 'node:tls';
import { defaultDeps, probeOptions, runProbe } from '../src/probe.js';
import { prepareSetup } from '../src/probes/setup.js';
import type { Report } from '../src/report/model.js';
import { Progress } from '../src/scan/output.js';
import { runPool } from '../src/scan/pool.js';
import { runScan, type ScanResult } from '../src/scan/run.js';
import { emptySummary } from '../src/scan/summary.js';
import { MAX_LINE_CHARS, TargetLineReader } from '../src/scan/targets.js';
import { runCli } from './support/cli.js';
import {
  type PkiFixture,
  pkiFixture,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';
import { silentServer } from './support/hostile-servers.js';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** A source that yields `chunks` one by one. */
async function* chunksOf(...chunks: (string | Buffer)[]) {
  for (const chunk of chunks) yield chunk;
}

describe('target list reader', () => {
  test('drops comments and blank lines and keeps line numbers', async () => {
    const text = '# list\nexample.test\n\n  a.test:8443  # trailing\r\n\t\n[::1]:443';
    const lines = await collect(new TargetLineReader(chunksOf(text)).lines());
    assert.deepEqual(lines, [
      { line: 2, text: 'example.test' },
      { line: 4, text: 'a.test:8443' },
      { line: 6, text: '[::1]:443' },
    ]);
  });

  test('progress counts finished targets, not lines read (all 5 read, 1 done is 20%)', async () => {
    const text = '# header\na.test\nb.test\nc.test\nd.test\ne.test\n';
    const reader = new TargetLineReader(chunksOf(text));
    await collect(reader.lines());
    assert.deepEqual(
      [0, 1, 4, 5].map((done) => reader.fraction(text.length, done)),
      [0, 0.2, 0.8, 1],
    );
  });

  test('progress of a list half read scales the targets seen to the whole file', async () => {
    const text = 'a.test\nb.test\nc.test\nd.test\n';
    const reader = new TargetLineReader(chunksOf(text.slice(0, 14)));
    await collect(reader.lines());
    assert.equal(reader.fraction(text.length, 2), 0.5);
  });

  test('lines and UTF-8 characters split across chunks come out whole', async () => {
    const bytes = Buffer.from('häst.test:1\nb.test\n');
    const oneByteChunks = [...bytes].map((b) => Buffer.from([b]));
    const lines = await collect(new TargetLineReader(chunksOf(...oneByteChunks)).lines());
    assert.deepEqual(
      lines.map((l) => l.text),
      ['häst.test:1', 'b.test'],
    );
  });

  test('an endless line is one bad target, not an unbounded buffer', async () => {
    const huge = 'x'.repeat(MAX_LINE_CHARS * 3);
    const lines = await collect(new TargetLineReader(chunksOf(huge, huge, '\nok.test\n')).lines());
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.tooLong, true);
    assert.ok(lines[0]!.text.length < 100);
    assert.deepEqual(lines[1], { line: 2, text: 'ok.test' });
  });
});

describe('worker pool', () => {
  test(
    'never runs more than `concurrency` items ' + 'and reads the source only as workers free up',
    async () => {
      let produced = 0;
      let done = 0;
      let inFlight = 0;
      let peak = 0;
      let maxAhead = 0;
      async function* source() {
        for (let i = 0; i < 2000; i++) {
          produced += 1;
          maxAhead = Math.max(maxAhead, produced - done);
          yield i;
        }
      }
      await runPool(source(), 8, async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        done += 1;
      });
      assert.equal(done, 2000);
      assert.equal(peak, 8);
      assert.ok(maxAhead <= 9, `read ${maxAhead} items ahead of the workers`);
    },
  );

  test('stops pulling when told to stop', async () => {
    let seen = 0;
    async function* endless() {
      for (let i = 0; i < 1_000_000; i++) yield i;
    }
    await runPool(
      endless(),
      4,
      async () => {
        seen += 1;
      },
      () => seen >= 100,
    );
    assert.ok(seen >= 100 && seen < 110, `${seen} items`);
  });
});

describe('scan engine', () => {
  let fx: PkiFixture;
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    fx = await pkiFixture({ after: (fn) => void cleanups.push(fn as () => Promise<void>) });
  });
  after(() => Promise.all(cleanups.map((fn) => fn())));

  /** Scans `text` with a resolver that knows only `localhost`; returns the results in order. */
  async function scan(text: string, targetTimeoutMs = 20_000) {
    const results: ScanResult[] = [];
    const setup = prepareSetup({ caFiles: [fx.files.ca!], credentials: [] });
    const resolver = async (host: string) => {
      if (host === 'localhost') return ['127.0.0.1'];
      throw new Error(`${host} is not in the test resolver`);
    };
    // TLS-FACTS: one SecureContext per configuration; none may be built per target.
    const contexts = mock.method(tls, 'createSecureContext');
    const summary = await runScan(
      new TargetLineReader(chunksOf(text)).lines(),
      {
        concurrency: 3,
        targetTimeoutMs,
        failOn: 'fail',
        probe: (target) => {
          const options = probeOptions(target, { alpn: ['http/1.1'], timeoutMs: 2000 });
          return runProbe(options, setup, { ...defaultDeps, resolver });
        },
      },
      async (r) => void results.push(r),
    );
    const contextsBuilt = contexts.mock.callCount();
    contexts.mock.restore();
    return { results, summary, contextsBuilt };
  }

  test(
    'reports, bad lines and unresolvable ' + 'names each get one line; the scan goes on',
    async (t) => {
      const server = await startHttpsServer(t, serverIdentity(fx.pki));
      const closed = await closedPort();
      const list = [
        `localhost:${server.port}`,
        'not a target',
        `localhost:${server.port}  # again`,
        'unknown.test:443',
        `127.0.0.1:${closed}`,
      ].join('\n');
      const { results, summary, contextsBuilt } = await scan(list);
      assert.equal(results.length, 5);
      assert.equal(contextsBuilt, 0);
      const reports = results.flatMap((r) => ('report' in r ? [r.report] : []));
      const errors = results.flatMap((r) => ('error' in r ? [r.error] : []));
      assert.deepEqual(errors.map((e) => [e.line, e.code]).sort(), [
        [2, 'BAD_TARGET'],
        [4, 'DNS_FAILED'],
      ]);
      const healthy = reports.filter((r) => r.target.port === server.port);
      assert.equal(healthy.length, 2);
      for (const r of healthy) assert.equal(r.handshake?.version, 'TLSv1.3');
      assert.match(
        reports.find((r) => r.target.port === closed)?.connectionError ?? '',
        /ECONNREFUSED/,
      );
      assert.equal(summary.targets, 5);
      assert.equal(summary.errors, 2);
      assert.equal(summary.unreachable, 1);
      assert.equal(summary.failing, 3);
    },
  );

  test('a target past --target-timeout is reported as such while the others finish', async (t) => {
    const silent = await silentServer();
    t.after(() => silent.close());
    const server = await startHttpsServer(t, serverIdentity(fx.pki));
    const list = `localhost:${silent.port}\nlocalhost:${server.port}\n`;
    const { results } = await scan(list, 500);
    const timedOut = results.find((r) => 'error' in r && r.error.code === 'TIMEOUT');
    assert.ok(timedOut, JSON.stringify(results));
    assert.match('error' in timedOut ? timedOut.error.error : '', /no result within 500 ms/);
    assert.ok(results.some((r) => 'report' in r && r.report.target.port === server.port));
  });
});

describe('progress line', () => {
  test('is drawn and cleared on a TTY, and never written elsewhere', async () => {
    const written: string[] = [];
    const fake = (isTTY: boolean) =>
      ({
        isTTY,
        columns: 80,
        write: (s: string) => written.push(s),
      }) as unknown as NodeJS.WriteStream;
    const read = () => ({ summary: emptySummary(), active: 2, fraction: 0.5 });
    const quiet = new Progress(fake(false), read);
    quiet.start(5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    quiet.stop();
    assert.equal(written.length, 0);
    const tty = new Progress(fake(true), read);
    tty.start(5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    tty.stop();
    assert.ok(written[0]?.startsWith('\r\x1b[K50% 0 done, 2 in flight'), written[0]);
    assert.equal(written.at(-1), '\r\x1b[K');
  });
});

describe('tlsflight scan (CLI)', () => {
  let fx: PkiFixture;
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    fx = await pkiFixture({ after: (fn) => void cleanups.push(fn as () => Promise<void>) });
  });
  after(() => Promise.all(cleanups.map((fn) => fn())));

  test('streams NDJSON, summarises on stderr and exits 1 when a target fails', async (t) => {
    const server = await startHttpsServer(t, serverIdentity(fx.pki));
    const closed = await closedPort();
    const list = `# targets\nlocalhost:${server.port}\n127.0.0.1:${closed}\nbad:port:x\n`;
    const run = await runCli(['scan', '-', '--ca', fx.files.ca!, '--alpn', 'http/1.1'], {
      input: list,
    });
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    const healthy = lines.find((l) => l.target?.port === server.port) as Report;
    assert.equal(healthy.handshake?.version, 'TLSv1.3');
    assert.ok(lines.some((l) => l.code === 'BAD_TARGET' && l.line === 4));
    assert.match(
      run.stderr,
      /^scanned 3 targets in [\d.]+ s: .* 1 fail \(1 unreachable\), 1 errors\n$/,
    );
    assert.equal(run.code, 1);
  });

  test('exits 0 when nothing reaches --fail-on', async (t) => {
    const server = await startHttpsServer(t, serverIdentity(fx.pki));
    const run = await runCli(['scan', '--ca', fx.files.ca!, '--alpn', 'http/1.1'], {
      input: `localhost:${server.port}\n`,
    });
    assert.equal(run.stdout.trim().split('\n').length, 1);
    assert.equal(run.code, 0, run.stderr);
  });

  test('bad usage is exit 2 with one line, before any target is probed', async () => {
    for (const args of [
      ['--concurrency', '0'],
      ['--timeout', 'soon'],
      ['--target-timeout', '-1'],
    ]) {
      const run = await runCli(['scan', '-', ...args], { input: 'localhost:1\n' });
      assert.equal(run.code, 2, args.join(' '));
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^tlsflight: bad --[a-z-]+ '.*'/);
    }
    const missing = await runCli(['scan', '/nonexistent/targets.txt'], { input: '' });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read target list \/nonexistent\/targets.txt/);
  });
});

/** A loopback port that refuses connections (opened, then closed, by this test). */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
