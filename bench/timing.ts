/**
 * Timing accuracy: tlsflight's tls duration (appconnect - connect) versus curl's
 * time_appconnect - time_connect on the same endpoint (openssl s_server), directly and through
 * the latency proxy at 100 ms emulated RTT, for TLS 1.3 and TLS 1.2. Runs alternate.
 */
import { startLatencyProxy } from '../src/lab/latency-proxy.js';
import type { Report } from '../src/report/model.js';
import {
  type BenchResult,
  benchPki,
  CLI,
  fmt,
  isMain,
  median,
  printResult,
  run,
} from './support/common.js';
import { openSslServer } from './support/servers.js';

const RUNS = 9;

/** tlsflight's tls duration in ms for one probe. */
async function tlsflightMs(port: number, ca: string, version: '1.2' | '1.3') {
  const args = [CLI, 'probe', `localhost:${port}`, '--connect-to', '127.0.0.1', '--ca', ca];
  args.push('--tls', version, '--alpn', 'http/1.1', '--no-resumption', '--no-ocsp', '--json');
  const out = await run(process.execPath, args, { timeoutMs: 30_000 });
  const report = JSON.parse(out.stdout) as Report;
  return report.timing?.durations.tls ?? Number.NaN;
}

/** curl's time_appconnect - time_connect in ms for one request. */
async function curlMs(port: number, ca: string, version: '1.2' | '1.3') {
  const pin = version === '1.2' ? ['--tlsv1.2', '--tls-max', '1.2'] : ['--tlsv1.3'];
  const args = [
    '-s',
    '-o',
    '/dev/null',
    '--cacert',
    ca,
    '--resolve',
    `localhost:${port}:127.0.0.1`,
  ];
  args.push(...pin, '-w', '%{time_connect} %{time_appconnect}', `https://localhost:${port}/`);
  const out = await run('curl', args, { timeoutMs: 30_000 });
  const [connect, appconnect] = out.stdout.trim().split(' ').map(Number);
  return (appconnect! - connect!) * 1000;
}

/** Medians of alternating runs of both tools. */
async function compare(port: number, ca: string, version: '1.2' | '1.3') {
  const ours: number[] = [];
  const curl: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await tlsflightMs(port, ca, version));
    curl.push(await curlMs(port, ca, version));
  }
  return { ours: median(ours), curl: median(curl) };
}

/** Runs the comparison at 0 and 100 ms RTT. */
export async function benchTiming(): Promise<BenchResult> {
  const lab = await benchPki();
  const ca = lab.files.ca!;
  const serverArgs = ['-cert', lab.files.leaf!, '-cert_chain', lab.files.intermediate!];
  const server = await openSslServer([...serverArgs, '-key', lab.files.leafKey!, '-www'], null);
  const proxy = await startLatencyProxy({ targetPort: server.port, rttMs: 100 });
  try {
    const rows: string[][] = [];
    for (const [rtt, port] of [
      [0, server.port],
      [100, proxy.port],
    ] as const) {
      for (const version of ['1.3', '1.2'] as const) {
        const { ours, curl } = await compare(port, ca, version);
        rows.push([
          `${rtt} ms`,
          `TLS ${version}`,
          fmt(ours, 2),
          fmt(curl, 2),
          fmt(ours - curl, 2),
          fmt(ours / curl, 3),
        ]);
      }
    }
    return {
      title:
        `Timing accuracy: tls duration, tlsflight vs curl (medians of ${RUNS} alternating ` +
        `runs)`,
      commands: [
        'tlsflight probe localhost:PORT --connect-to 127.0.0.1 --ca ca.pem --tls 1.3 --alpn ' +
          'http/1.1 --no-resumption --no-ocsp --json   # .timing.durations.tls',
        'curl -s -o /dev/null --cacert ca.pem --resolve localhost:PORT:127.0.0.1 --tlsv1.3 -w ' +
          "'%{time_connect} %{time_appconnect}' https://localhost:PORT/",
      ],
      header: ['emulated RTT', 'version', 'tlsflight ms', 'curl ms', 'difference ms', 'ratio'],
      rows,
      notes: [
        'Server: openssl s_server -www; 100 ms RTT through the userland latency proxy ' +
          '(src/lab/latency-proxy.ts), which cannot delay the TCP handshake itself, so both ' +
          'tools see a near-zero connect phase.',
      ],
    };
  } finally {
    await proxy.close();
    await server.close();
    await lab.dispose();
  }
}

if (isMain(import.meta.url)) printResult(await benchTiming());
