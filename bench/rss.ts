/**
 * Peak resident set of `tlsflight scan` with 1,000 probes in flight at once: 1,000 targets at a
 * Node HTTPS server (its own process) that staples, issues tickets and holds every response
 * for a while, so all probes are open together. Measured with `/usr/bin/time -v`.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildOcspResponse } from '../src/pki/ocsp-response.js';
import {
  type BenchResult,
  benchPki,
  CLI,
  fmt,
  isMain,
  printResult,
  run,
} from './support/common.js';
import { nodeHttpsServer } from './support/servers.js';

const TARGETS = 1000;
const HOLD_MS = 3000;
const LIMIT_MB = 200;

/** Peak RSS in MB from `/usr/bin/time -v` output. */
function maxRssMb(stderr: string): number {
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** One scan of TARGETS targets at `concurrency`; its peak RSS and the server's view. */
async function scanOnce(lab: Lab, staple: string, concurrency: number, extra: string[]) {
  const server = await nodeHttpsServer({
    cert: lab.files.chain,
    key: lab.files.leafKey,
    staple,
    delayMs: HOLD_MS,
  });
  try {
    const list = path.join(lab.dir, 'targets.txt');
    await writeFile(list, `localhost:${server.port}\n`.repeat(TARGETS));
    const flags = [
      '--connect-to',
      '127.0.0.1',
      '--ca',
      lab.files.ca!,
      '--alpn',
      'http/1.1',
      '--timeout',
      '60000',
      ...extra,
    ];
    const args = [CLI, 'scan', list, ...flags, '--concurrency', String(concurrency)];
    const out = await run('/usr/bin/time', ['-v', process.execPath, ...args], {
      timeoutMs: 300_000,
    });
    const held = Number(/MAX_IN_FLIGHT (\d+)/.exec(await server.close())?.[1] ?? Number.NaN);
    const lines = out.stdout.trim().split('\n').filter(Boolean).length;
    const command =
      `/usr/bin/time -v tlsflight scan targets.txt ` +
      `${flags.join(' ').replace(lab.dir, '$DIR')} --concurrency ${concurrency}`;
    return {
      rss: maxRssMb(out.stderr),
      held,
      lines,
      command,
      summary: /scanned .*/.exec(out.stderr)?.[0] ?? 'no summary',
    };
  } finally {
    await server.close();
  }
}

type Lab = Awaited<ReturnType<typeof benchPki>>;

/** Runs the scan of 1,000 concurrent targets, full and without resumption, and at 500. */
export async function benchRss(): Promise<BenchResult> {
  if (!existsSync('/usr/bin/time'))
    throw new Error('bench/rss needs /usr/bin/time (Debian package time)');
  const lab = await benchPki();
  const staple = path.join(lab.dir, 'staple.der');
  const { leaf, intermediate } = lab.pki;
  await writeFile(staple, buildOcspResponse({ leaf, issuer: intermediate, signer: intermediate }));
  try {
    const cases: Array<[string, number, string[]]> = [
      ['full probe', 1000, []],
      ['--no-resumption', 1000, ['--no-resumption']],
      ['full probe', 500, []],
    ];
    const rows: string[][] = [];
    const commands: string[] = [];
    const notes: string[] = [];
    for (const [what, concurrency, extra] of cases) {
      const r = await scanOnce(lab, staple, concurrency, extra);
      rows.push([
        what,
        String(concurrency),
        String(r.held),
        String(r.lines),
        fmt(r.rss),
        r.rss <= LIMIT_MB ? 'yes' : 'NO',
      ]);
      commands.push(r.command);
      notes.push(`${what}, concurrency ${concurrency}: ${r.summary}`);
    }
    return {
      title: `Peak RSS of tlsflight scan, ${TARGETS} targets (limit ${LIMIT_MB} MB)`,
      commands,
      header: [
        'probe',
        'concurrency',
        'requests held at once by the server',
        'NDJSON lines',
        'peak RSS MB',
        `within ${LIMIT_MB} MB`,
      ],
      rows,
      notes: [
        `Each probe: full handshake with staple and tickets, GET held ${HOLD_MS} ms by the ` +
          `server (so all probes are open together), then the resumption handshake unless ` +
          `--no-resumption.`,
        ...notes,
      ],
    };
  } finally {
    await lab.dispose();
  }
}

if (isMain(import.meta.url)) printResult(await benchRss());
