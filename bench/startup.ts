/** CLI start-up time: `tlsflight --version`, median of runs, beside a bare `node -e 0`. */
import { type BenchResult, CLI, fmt, isMain, median, printResult, run } from './support/common.js';

const RUNS = 15;

async function medianMs(args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await run(process.execPath, args)).ms);
  return median(times);
}

/** Runs the start-up comparison. */
export async function benchStartup(): Promise<BenchResult> {
  const bare = await medianMs(['-e', '0']);
  const version = await medianMs([CLI, '--version']);
  const help = await medianMs([CLI, 'scan', '--help']);
  return {
    title: `CLI start-up (median of ${RUNS} runs)`,
    commands: ['tlsflight --version', 'tlsflight scan --help', 'node -e 0'],
    header: ['command', 'ms', 'ratio to node -e 0'],
    rows: [
      ['node -e 0', fmt(bare), '1.00'],
      ['tlsflight --version', fmt(version), fmt(version / bare, 2)],
      ['tlsflight scan --help', fmt(help), fmt(help / bare, 2)],
    ],
    notes: [],
  };
}

if (isMain(import.meta.url)) printResult(await benchStartup());
