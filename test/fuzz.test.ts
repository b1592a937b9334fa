/**
 * Seeded fuzzing of the parsers a hostile server feeds (a few thousand cases; bench/fuzz.ts runs
 * 100k+). FUZZ_SEED replays another seed; a failure prints the seed and path to replay it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fuzzSeeds } from './support/fuzz-inputs.js';
import { fuzzTargets } from './support/fuzz-properties.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
/** Cases per unit of weight: the weights sum to 20, so 4,000 cases in all. */
const RUNS_PER_WEIGHT = 200;

// The seeds first (a PKI, two real handshakes with servers on 127.0.0.1:0, closed again), so
// that each target is a test of its own.
const seeds = await fuzzSeeds();

describe('fuzzing: every failure is a verdict, a note or a typed error', () => {
  test('the seeds are real: two captured handshakes and their messages', () => {
    for (const c of seeds.captures) assert.ok(c.records.length >= 6, `${c.records.length} records`);
    for (const key of ['1', '2', '4', '11', '13', '22', '4/1.3', '11/1.3', '13/1.3']) {
      assert.ok(seeds.bodies.get(key)?.length, `no seed body ${key}`);
    }
  });

  for (const target of fuzzTargets(seeds)) {
    // A known bug runs as a todo: its failure is reported without failing the suite.
    test(`${target.name} never throws an untyped error`, { todo: target.knownBug }, () => {
      fc.assert(target.property.strict, { seed: SEED, numRuns: target.weight * RUNS_PER_WEIGHT });
    });
  }
});
