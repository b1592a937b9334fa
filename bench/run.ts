/**
 * `npm run bench`: every bench in turn, each printing its figures and ratios, then the whole as
 * a markdown snippet (written to a file with --results FILE, e.g. bench/RESULTS.md). Not part
 * of the tests. Every server listens on 127.0.0.1:0 and is stopped by its bench.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFuzz } from './fuzz.js';
import { benchHandshakes } from './handshakes.js';
import { benchPeers } from './peers.js';
import { benchRss } from './rss.js';
import { benchStartup } from './startup.js';
import { type BenchResult, markdown, printResult, run } from './support/common.js';
import { benchTiming } from './timing.js';

/** bench/round-trips.ts (300 ms RTT: probe vs round-trip floor vs testssl) runs as itself. */
async function roundTrips(): Promise<BenchResult> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'round-trips.js');
  const out = await run(process.execPath, [script], { timeoutMs: 1_800_000 });
  return {
    title:
      'Full probe at 300 ms RTT: tlsflight vs round-trip floor vs testssl.sh ' +
      '(bench/round-trips.ts)',
    commands: ['node dist/bench/round-trips.js'],
    header: [],
    rows: [],
    notes: out.code === 0 ? [] : [`exited ${out.code}: ${out.stderr.trim().slice(-300)}`],
    raw: out.stdout,
  };
}

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  startup: benchStartup,
  peers: benchPeers,
  handshakes: benchHandshakes,
  timing: benchTiming,
  rss: benchRss,
  'round-trips': roundTrips,
  fuzz: () => benchFuzz(),
};

/** Runs the benches named in argv (all by default); returns the markdown snippet. */
async function main(argv: string[]): Promise<string> {
  const at = argv.indexOf('--results');
  const names = argv.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1));
  const chosen = names.length ? names : Object.keys(BENCHES);
  const sections: string[] = [];
  for (const name of chosen) {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`no bench '${name}': expected ${Object.keys(BENCHES).join(', ')}`);
    const result = await bench();
    printResult(result);
    sections.push(markdown(result));
  }
  const machine =
    `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ` +
    `Node ${process.version}`;
  const how =
    'Produced by `npm run build && node dist/bench/run.js --results bench/RESULTS.md` (one run; ' +
    'every server on 127.0.0.1).';
  const snippet = [
    `## Benchmarks (${new Date().toISOString().slice(0, 10)}, ${machine})`,
    '',
    how,
    '',
    ...sections,
  ].join('\n');
  if (at >= 0 && argv[at + 1]) await writeFile(argv[at + 1]!, snippet);
  return snippet;
}

process.stdout.write(`\n${await main(process.argv.slice(2))}`);
