/**
 * Benchmark (not a test): at an emulated RTT (300 ms by default) the full probe's wall time
 * beside its round-trip floor (the sequential round trips its checks need × RTT) as a ratio,
 * and beside testssl.sh on the same lab endpoint when /usr/bin/testssl is installed.
 *
 *   npm run build && node dist/bench/round-trips.js \
 *     [--rtt 300] [--runs 3] [--endpoint healthy] [--no-testssl]
 *
 * Everything runs against the lab on 127.0.0.1; testssl gets --ip 127.0.0.1 and --nodns none,
 * and no --phone-out, so it resolves nothing and contacts no one else.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Lab, type LabEndpoint, startLab } from '../src/lab/lab.js';
import { probeOptions, runProbe } from '../src/probe.js';
import { prepareSetup } from '../src/probes/setup.js';
import type { Report } from '../src/report/model.js';

const TESTSSL = '/usr/bin/testssl';

/** Round trips the probe cannot avoid, with and without the TCP handshakes (one per connection). */
interface Floor {
  /** Under userland emulation, where TCP's own handshake costs nothing. */
  emulated: number;
  connections: number;
}

/**
 * The probe's sequential round trips: the main connection (TLS + HTTP), the resumption
 * attempt (1 if resumed, else a full handshake), TLS 1.2's separate session-ID check (a full
 * handshake then a second one) and one more connection per extra client-auth attempt.
 */
function floorOf(r: Report): Floor {
  const tls = r.flights?.roundTrips.tls ?? 0;
  let emulated = tls + (r.flights?.roundTrips.http ?? 0);
  let connections = 1;
  if (r.resumption?.attempted) {
    emulated += r.resumption.resumed ? 1 : tls;
    connections += 1;
  }
  if (r.resumption?.sessionIdResumed !== null && r.resumption?.sessionIdResumed !== undefined) {
    emulated += tls + (r.resumption.sessionIdResumed ? 1 : tls);
    connections += 2;
  }
  const extraAuth = r.clientAuth?.offered.length ? r.clientAuth.offered.length - 1 : 0;
  emulated += extraAuth * (tls + 1);
  return { emulated, connections: connections + extraAuth };
}

async function probeOnce(lab: Lab, e: LabEndpoint): Promise<{ ms: number; report: Report }> {
  const setup = prepareSetup({ caFiles: [lab.files.ca!], credentials: [] });
  const options = probeOptions({ host: e.sni, port: e.port }, { connectTo: e.host });
  const start = performance.now();
  const report = await runProbe(options, setup);
  return { ms: performance.now() - start, report };
}

/** testssl -S (certificate, stapling, tickets, resumption: the same ground) on the lab port. */
function runTestssl(lab: Lab, e: LabEndpoint): Promise<{ ms: number; code: number | null }> {
  // biome-ignore format: flags and their values side by side
  const args = [
    '--ip', e.host, '--nodns', 'none', '--quiet', '--color', '0', '--warnings', 'off',
    '--connect-timeout', '10', '--openssl-timeout', '10', '--add-ca', lab.files.ca!,
    '-S', `https://${e.sni}:${e.port}/`,
  ];
  const env = { ...process.env, http_proxy: '', https_proxy: '', HTTP_PROXY: '', HTTPS_PROXY: '' };
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(TESTSSL, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', () => resolve({ ms: Number.NaN, code: null }));
    child.on('close', (code) => resolve({ ms: performance.now() - start, code }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${Math.round(ms)} ms`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rtt: { type: 'string', default: '300' },
      runs: { type: 'string', default: '3' },
      endpoint: { type: 'string', default: 'healthy' },
      'no-testssl': { type: 'boolean', default: false },
    },
  });
  const rttMs = Number(values.rtt);
  const lab = await startLab({ rttMs, only: [values.endpoint!] });
  try {
    const e = lab.endpoint(values.endpoint!);
    const runs = [];
    for (let i = 0; i < Number(values.runs); i++) runs.push(await probeOnce(lab, e));
    const wall = median(runs.map((r) => r.ms));
    const floor = floorOf(runs[0]!.report);
    const floorMs = floor.emulated * rttMs;
    console.log(
      `tlsflight bench: full probe of lab endpoint '${e.name}' at an emulated RTT of ${rttMs} ms`,
    );
    console.log(
      `  tlsflight probe  wall ${fmt(wall)} (median of ${runs.length}: ` +
        `${runs.map((r) => fmt(r.ms)).join(', ')})`,
    );
    console.log(
      `  round-trip floor ${floor.emulated} RTT = ${fmt(floorMs)} over ${floor.connections} ` +
        `connection(s)` +
        ` (TCP handshakes not delayed here; on a real path +${floor.connections} RTT)`,
    );
    console.log(`  ratio wall/floor ${(wall / floorMs).toFixed(2)}`);
    if (values['no-testssl'] || !existsSync(TESTSSL)) {
      console.log(
        `  testssl.sh       ` +
          `${existsSync(TESTSSL) ? 'skipped (--no-testssl)' : `not installed at ${TESTSSL}`}`,
      );
      return;
    }
    const t = await runTestssl(lab, e);
    console.log(
      `  testssl.sh -S    wall ${fmt(t.ms)} (exit ${t.code}); ratio to floor ` +
        `${(t.ms / floorMs).toFixed(1)}, ` +
        `to tlsflight ${(t.ms / wall).toFixed(1)}`,
    );
  } finally {
    await lab.close();
  }
}

await main();
