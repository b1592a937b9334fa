/**
 * `tlsflight scan [FILE|-]`: probes every target of a list, NDJSON to stdout as each finishes,
 * a summary on stderr, progress on stderr only when it is a TTY.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { describeError, TlsflightError } from '../errors.js';
import { toPoolRequest, withFirstMember } from '../pool/options.js';
import { type ProbeSetup, prepareSetup } from '../probes/setup.js';
import type { TargetSpec } from '../probes/target.js';
import type { Report } from '../report/model.js';
import { NdjsonWriter, Progress } from '../scan/output.js';
import { runScan, type ScanPlan, type ScanResult, type ScanState } from '../scan/run.js';
import { emptySummary, summaryLine } from '../scan/summary.js';
import { TargetLineReader } from '../scan/targets.js';
import { wholeNumber } from '../util/whole-number.js';
import { toProbeOptions, toSetupOptions } from './probe-options.js';
import { probeWithPool } from './probe-target.js';
import type { ScanFlags } from './scan-flags.js';

/** The target list: stdin for '-' or no argument, else a readable regular file. */
async function openList(
  file: string | undefined,
): Promise<{ stream: Readable; size: number | null }> {
  if (file === undefined || file === '-') return { stream: process.stdin, size: null };
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (err) {
    throw new TlsflightError('BAD_FILE', `cannot read target list ${file}: ${describeError(err)}`, {
      cause: err,
    });
  }
  return { stream: createReadStream(file), size };
}

/** One target as `tlsflight probe` would do it, pool included, but unreachable is data here. */
async function scanTarget(spec: TargetSpec, flags: ScanFlags, setup: ProbeSetup): Promise<Report> {
  // Bulk scans probe one address per name unless --all-addresses asks for the whole pool.
  const pool = toPoolRequest({ ...flags, allAddresses: flags.allAddresses ?? false }, spec);
  return probeWithPool(withFirstMember(toProbeOptions(spec, flags), pool), pool, setup);
}

function stackTrace(target: string, err: unknown): void {
  process.stderr.write(`${target}: ${err instanceof Error ? err.stack : String(err)}\n`);
}

/** Runs the scan command; returns the exit code. */
export async function scanCommand(
  file: string | undefined,
  flags: ScanFlags,
  _cmd: Command,
): Promise<number> {
  const concurrency = wholeNumber(flags.concurrency, '--concurrency', 10_000);
  // Checks the probe flags once, before any target: bad usage is exit 2, not N target errors.
  const sample = toProbeOptions({ host: 'localhost', port: 443 }, flags);
  toPoolRequest(flags, sample.target);
  const targetTimeoutMs = flags.targetTimeout
    ? wholeNumber(flags.targetTimeout, '--target-timeout', 3_600_000)
    : sample.timeoutMs * 3;
  const setup = prepareSetup(toSetupOptions(flags));
  const { stream, size } = await openList(file);
  const reader = new TargetLineReader(stream);
  const writer = new NdjsonWriter(process.stdout);
  const state: ScanState = { summary: emptySummary(), active: 0 };
  const started = performance.now();
  const progress = new Progress(process.stderr, () => ({
    summary: { ...state.summary, durationMs: performance.now() - started },
    active: state.active,
    fraction: size ? reader.fraction(size, state.summary.targets) : null,
  }));
  progress.start();
  try {
    const plan: ScanPlan = {
      concurrency,
      targetTimeoutMs,
      failOn: flags.failOn,
      probe: (target) => scanTarget(target, flags, setup),
      onUnexpected: flags.verbose ? stackTrace : undefined,
    };
    const emit = (r: ScanResult) => writer.write(r);
    await runScan(reader.lines(), plan, emit, state, () => writer.broken);
  } finally {
    progress.stop();
  }
  process.stderr.write(`${summaryLine(state.summary)}\n`);
  return state.summary.failing > 0 ? 1 : 0;
}
