/**
 * Fuzzing at volume: every target of test/support/fuzz-properties.ts, 100k+ cases in all
 * (FUZZ_CASES to change, FUZZ_SEED to replay). Every case runs, failures are counted, and the
 * first error of each target is printed.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { fuzzSeeds } from '../test/support/fuzz-inputs.js';
import { type FuzzTarget, fuzzTargets } from '../test/support/fuzz-properties.js';
import { type BenchResult, fmt, isMain, printResult } from './support/common.js';

/** Runs one target for `numRuns` cases; returns its row and the first failure, if any. */
function runTarget(target: FuzzTarget, seed: number, numRuns: number) {
  let failures = 0;
  let first: unknown;
  const started = performance.now();
  const property = target.property.counting((err) => {
    failures += 1;
    first ??= err;
  });
  fc.check(property, { seed, numRuns });
  const seconds = (performance.now() - started) / 1000;
  const verdict = failures === 0 ? 'ok' : target.knownBug ? 'FAILS (known bug)' : 'FAILS';
  const row = [target.name, String(numRuns), String(failures), verdict, fmt(seconds, 2)];
  const error = first === undefined ? null : String(first).split('\n')[0]!.slice(0, 160);
  return { row, error };
}

/** Runs every fuzz target; `total` cases split by weight. */
export async function benchFuzz(
  total = Number(process.env.FUZZ_CASES ?? 100_000),
): Promise<BenchResult> {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const targets = fuzzTargets(await fuzzSeeds());
  const weights = targets.reduce((n, t) => n + t.weight, 0);
  const rows: string[][] = [];
  const notes: string[] = [];
  let cases = 0;
  for (const target of targets) {
    const numRuns = Math.ceil((total * target.weight) / weights);
    const { row, error } = runTarget(target, seed, numRuns);
    cases += numRuns;
    rows.push(row);
    if (error) notes.push(`${target.name}, first failure: ${error}`);
  }
  rows.push(['total', String(cases), String(rows.reduce((n, r) => n + Number(r[2]), 0)), '', '']);
  return {
    title: `Fuzzing: ${cases} cases (seed ${seed})`,
    commands: [`FUZZ_SEED=${seed} node dist/bench/fuzz.js`],
    header: ['target', 'cases', 'failures', 'result', 's'],
    rows,
    notes,
  };
}

if (isMain(import.meta.url)) {
  const result = await benchFuzz();
  printResult(result);
  process.exitCode = result.rows.some((r) => r[3] === 'FAILS') ? 1 : 0;
}
