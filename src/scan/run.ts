/**
 * The scan engine: target lines in, one result per target out as each finishes, through the
 * caller's probe (which shares one ProbeSetup: trust store, secure contexts). A bad line or an
 * unreachable name is that target's error, never the end of the scan.
 */
import { performance } from 'node:perf_hooks';
import { describeError, TlsflightError } from '../errors.js';
import { parseTarget, type TargetSpec } from '../probes/target.js';
import type { Report, Severity } from '../report/model.js';
import { runPool } from './pool.js';
import { countError, countReport, emptySummary, type ScanSummary } from './summary.js';
import type { TargetLine } from './targets.js';

/** A target that produced no report. */
export interface ScanError {
  target: string;
  line: number;
  error: string;
  code: string;
}

/** One NDJSON line: a report, or the error of a target that has none. */
export type ScanResult = { report: Report } | { error: ScanError };

/** How to scan. */
export interface ScanPlan {
  concurrency: number;
  /** Hard limit for one target, all its connections included. */
  targetTimeoutMs: number;
  failOn: Severity;
  /** Probes one target (one shared ProbeSetup behind it); throws only TlsflightError. */
  probe: (target: TargetSpec) => Promise<Report>;
  /** Told about errors that are bugs, not usage (for --verbose stack traces). */
  onUnexpected?: (target: string, err: unknown) => void;
}

/** Live state a progress display reads. */
export interface ScanState {
  summary: ScanSummary;
  active: number;
}

/**
 * Scans every line; `emit` receives each result as it finishes (and may wait, for
 * backpressure); `stop()` ends the scan early (e.g. stdout closed).
 */
export async function runScan(
  lines: AsyncIterable<TargetLine>,
  plan: ScanPlan,
  emit: (result: ScanResult) => Promise<void>,
  state: ScanState = { summary: emptySummary(), active: 0 },
  stop: () => boolean = () => false,
): Promise<ScanSummary> {
  const started = performance.now();
  const work = async (line: TargetLine) => {
    state.active += 1;
    const { result, settled } = scanTarget(line, plan);
    const outcome = await result;
    if ('report' in outcome) countReport(state.summary, outcome.report, plan.failOn);
    else countError(state.summary);
    state.summary.durationMs = performance.now() - started;
    await emit(outcome);
    // A target past its deadline keeps its slot until its probe settles (its phases are
    // bounded by --timeout): never more than `concurrency` probes hold sockets.
    await settled;
    state.active -= 1;
  };
  await runPool(lines, plan.concurrency, work, stop);
  state.summary.durationMs = performance.now() - started;
  return state.summary;
}

/** Probes one line: its result (on time or a timeout error) and when its probe really ended. */
function scanTarget(line: TargetLine, plan: ScanPlan) {
  let probe: Promise<ScanResult>;
  try {
    if (line.tooLong) throw new TlsflightError('BAD_TARGET', `line ${line.line} is too long`);
    probe = plan.probe(parseTarget(line.text)).then(
      (report) => ({ report }),
      (err) => errorResult(line, err, plan),
    );
  } catch (err) {
    probe = Promise.resolve(errorResult(line, err, plan));
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ScanResult>((resolve) => {
    timer = setTimeout(() => {
      const err = new TlsflightError('TIMEOUT', `no result within ${plan.targetTimeoutMs} ms`);
      resolve(errorResult(line, err, plan));
    }, plan.targetTimeoutMs);
  });
  const result = Promise.race([probe, deadline]).finally(() => clearTimeout(timer));
  return { result, settled: probe.then(() => undefined) };
}

function errorResult(line: TargetLine, err: unknown, plan: ScanPlan): ScanResult {
  if (!(err instanceof TlsflightError)) plan.onUnexpected?.(line.text, err);
  const code = err instanceof TlsflightError ? err.code : 'UNEXPECTED';
  const message =
    err instanceof TlsflightError ? err.message : `unexpected error: ${describeError(err)}`;
  return { error: { target: line.text, line: line.line, error: message, code } };
}
