/**
 * One loopback endpoint, one full check: `tlsflight probe` (timing, handshake, chain as sent,
 * staple verified, tickets and a resumption, client-auth request, HTTP) beside curl plus
 * openssl s_client doing the same checks one after another, as a user of those tools would.
 * Runs alternate between the two sides; medians are compared.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildOcspResponse } from '../src/pki/ocsp-response.js';
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
import { nodeHttpsServer } from './support/servers.js';

const RUNS = 7;
const REQUEST = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';

/** The peers' sequence: curl for timing and HTTP, s_client for chain+staple, then resumption. */
function peerSteps(port: number, ca: string, sess: string): Array<[string, string[], string?]> {
  const sclient = [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-servername',
    'localhost',
    '-ign_eof',
  ];
  return [
    [
      'curl',
      [
        ...['-s', '-o', '/dev/null', '--noproxy', '*', '--cacert', ca],
        ...['--resolve', `localhost:${port}:127.0.0.1`, '-w', '%{time_appconnect} %{http_code}'],
        `https://localhost:${port}/`,
      ],
    ],
    ['openssl', [...sclient, '-CAfile', ca, '-status', '-showcerts', '-sess_out', sess], REQUEST],
    ['openssl', [...sclient, '-CAfile', ca, '-sess_in', sess], REQUEST],
  ];
}

async function peerSequence(port: number, ca: string, sess: string): Promise<number> {
  let total = 0;
  for (const [cmd, args, input] of peerSteps(port, ca, sess)) {
    const out = await run(cmd, args, { input, timeoutMs: 30_000 });
    if (out.code !== 0) throw new Error(`${cmd} exited ${out.code}: ${out.stderr.slice(-200)}`);
    total += out.ms;
  }
  return total;
}

/** Median wall times of tlsflight and of the peer sequence on one endpoint. */
export async function benchPeers(): Promise<BenchResult> {
  const lab = await benchPki();
  const staple = path.join(lab.dir, 'staple.der');
  const { leaf, intermediate } = lab.pki;
  await writeFile(staple, buildOcspResponse({ leaf, issuer: intermediate, signer: intermediate }));
  const server = await nodeHttpsServer({ cert: lab.files.chain, key: lab.files.leafKey, staple });
  const ca = lab.files.ca!;
  const probeArgs = [CLI, 'probe', `localhost:${server.port}`, '--connect-to', '127.0.0.1'];
  try {
    const ours: number[] = [];
    const peers: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const out = await run(process.execPath, [...probeArgs, '--ca', ca, '--json']);
      if (out.code !== 0) throw new Error(`tlsflight exited ${out.code}: ${out.stderr}`);
      ours.push(out.ms);
      peers.push(await peerSequence(server.port, ca, path.join(lab.dir, 'sess.pem')));
    }
    const a = median(ours);
    const b = median(peers);
    return {
      title: 'Full check of one loopback endpoint: tlsflight probe vs curl + openssl s_client',
      commands: [
        'tlsflight probe localhost:PORT --connect-to 127.0.0.1 --ca ca.pem --json',
        'curl -s -o /dev/null --cacert ca.pem --resolve localhost:PORT:127.0.0.1 -w ' +
          "'%{time_appconnect} %{http_code}' https://localhost:PORT/",
        'openssl s_client -connect 127.0.0.1:PORT -servername localhost -CAfile ca.pem -status ' +
          '-showcerts -sess_out sess.pem',
        'openssl s_client -connect 127.0.0.1:PORT -servername localhost -CAfile ca.pem -sess_in ' +
          'sess.pem',
      ],
      header: ['side', `median of ${RUNS} (ms)`, 'ratio to the peers'],
      rows: [
        ['tlsflight probe (1 process)', fmt(a), fmt(a / b, 2)],
        ['curl + 2 × openssl s_client (3 processes)', fmt(b), '1.00'],
      ],
      notes: [
        'Server: a Node HTTPS server in its own process on 127.0.0.1 (staple, TLS 1.3 tickets).',
        'The peers print the staple and chain but do not verify the staple (signature, CertID, ' +
          'freshness); tlsflight does, and runs a TLS 1.2 session-ID check only when TLS 1.2 ' +
          'is negotiated.',
        'Both sides pay process start-up: about 90 ms for tlsflight, a few ms per curl/openssl.',
      ],
    };
  } finally {
    await server.close();
    await lab.dispose();
  }
}

if (isMain(import.meta.url)) printResult(await benchPeers());
