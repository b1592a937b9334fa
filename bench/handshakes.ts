/**
 * Handshakes per second on loopback: `tlsflight scan` against one `openssl s_server` versus
 * `openssl s_time -new` against the same server, each client pinned to the same single core
 * (the server to the other one when there are two).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type BenchResult,
  benchPki,
  CLI,
  fmt,
  isMain,
  pinned,
  printResult,
  run,
} from './support/common.js';
import { openSslServer } from './support/servers.js';

const CLIENT_CPU = 0;
const SERVER_CPU = 1;
const S_TIME_SECONDS = 10;
const TARGETS = 3000;

/** Connections per second of `openssl s_time -new` (wall clock, so startup included). */
async function sTime(port: number, www: boolean) {
  const args = ['s_time', '-connect', `127.0.0.1:${port}`, '-new', '-time', String(S_TIME_SECONDS)];
  if (www) args.push('-www', '/');
  const started = performance.now();
  const out = await run(...pinned(CLIENT_CPU, 'openssl', args), { timeoutMs: 60_000 });
  const seconds = (performance.now() - started) / 1000;
  const count = Number(/(\d+) connections in [\d.]+s/.exec(out.stdout)?.[1] ?? Number.NaN);
  return { command: `openssl ${args.join(' ')}`, perSecond: count / seconds };
}

/** Targets per second of a scan (its own summary clock, so CLI startup excluded). */
async function scan(list: string, ca: string, concurrency: number, full: boolean) {
  const flags = ['--connect-to', '127.0.0.1', '--ca', ca, '--alpn', 'http/1.1'];
  if (!full) flags.push('--no-resumption', '--no-ocsp');
  const args = [CLI, 'scan', list, ...flags, '--concurrency', String(concurrency)];
  const out = await run(...pinned(CLIENT_CPU, process.execPath, args), { timeoutMs: 600_000 });
  const m = /scanned (\d+) targets in ([\d.]+) s: .*, (\d+) errors/.exec(out.stderr);
  if (m?.[3] !== '0') throw new Error(`scan failed: ${out.stderr.slice(-500)}`);
  const shown = `tlsflight ${args.slice(1).join(' ')}`.replaceAll(path.dirname(list), '$DIR');
  return { command: shown, perSecond: Number(m![1]) / Number(m![2]) };
}

/** Runs the comparison. */
export async function benchHandshakes(): Promise<BenchResult> {
  const lab = await benchPki();
  const server = await openSslServer(
    [
      '-cert',
      lab.files.leaf!,
      '-cert_chain',
      lab.files.intermediate!,
      '-key',
      lab.files.leafKey!,
      '-www',
    ],
    SERVER_CPU,
  );
  try {
    const list = path.join(lab.dir, 'targets.txt');
    await writeFile(list, `localhost:${server.port}\n`.repeat(TARGETS));
    const peers = [await sTime(server.port, false), await sTime(server.port, true)];
    const ours = [
      await scan(list, lab.files.ca!, 1, false),
      await scan(list, lab.files.ca!, 16, false),
      await scan(list, lab.files.ca!, 16, true),
    ];
    const base = peers[0]!.perSecond;
    const row = (what: string, perSecond: number, connections: number) => [
      what,
      fmt(perSecond),
      fmt(perSecond * connections),
      fmt((perSecond * connections) / base, 2),
    ];
    return {
      title: 'Handshakes per second on loopback (client on 1 core, openssl s_server on the other)',
      commands: [...peers, ...ours].map((x) => x.command),
      header: ['client', 'targets or connections/s', 'handshakes/s', 'ratio to s_time -new'],
      rows: [
        row('openssl s_time -new (handshake only)', peers[0]!.perSecond, 1),
        row('openssl s_time -new -www / (handshake + GET)', peers[1]!.perSecond, 1),
        row('tlsflight scan, concurrency 1, --no-resumption --no-ocsp', ours[0]!.perSecond, 1),
        row('tlsflight scan, concurrency 16, --no-resumption --no-ocsp', ours[1]!.perSecond, 1),
        row(
          'tlsflight scan, concurrency 16, full probe (2 connections each)',
          ours[2]!.perSecond,
          2,
        ),
      ],
      notes: [
        `${TARGETS} targets per scan; s_time ran ${S_TIME_SECONDS} s. A tlsflight target is a ` +
          `full capture: handshake, HTTP GET, transcript decryption, chain and staple ` +
          `analysis, report.`,
      ],
    };
  } finally {
    await server.close();
    await lab.dispose();
  }
}

if (isMain(import.meta.url)) printResult(await benchHandshakes());
