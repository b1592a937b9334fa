/** Counts of a scan as it runs: by worst severity, unreachable targets, errors; and its text. */
import { severityRank, worstSeverity } from '../report/findings.js';
import type { Report, Severity } from '../report/model.js';

/** What a scan found, target by target, and how long it took. */
export interface ScanSummary {
  targets: number;
  /** Reports by the worst severity among their findings. */
  bySeverity: Record<Severity, number>;
  /** Reports that never reached a TLS handshake (counted under fail too). */
  unreachable: number;
  /** Targets with no report: bad line, DNS failure, target timeout. */
  errors: number;
  /** Targets that reached --fail-on (errors included). */
  failing: number;
  durationMs: number;
}

/** An empty summary. */
export function emptySummary(): ScanSummary {
  return {
    targets: 0,
    bySeverity: { ok: 0, info: 0, warn: 0, fail: 0 },
    unreachable: 0,
    errors: 0,
    failing: 0,
    durationMs: 0,
  };
}

/** Counts one report. */
export function countReport(s: ScanSummary, report: Report, failOn: Severity): void {
  const worst = worstSeverity(report.findings);
  s.targets += 1;
  s.bySeverity[worst] += 1;
  if (report.connectionError) s.unreachable += 1;
  if (severityRank(worst) >= severityRank(failOn)) s.failing += 1;
}

/** Counts one target that produced no report; a target not probed is never "ok". */
export function countError(s: ScanSummary): void {
  s.targets += 1;
  s.errors += 1;
  s.failing += 1;
}

/** The closing line, e.g. "scanned 3 targets in 1.2 s: 1 ok, 0 info, 1 warn, 1 fail ...". */
export function summaryLine(s: ScanSummary): string {
  const b = s.bySeverity;
  const seconds = (s.durationMs / 1000).toFixed(1);
  const counts = `${b.ok} ok, ${b.info} info, ${b.warn} warn, ${b.fail} fail`;
  const noun = s.targets === 1 ? 'target' : 'targets';
  return (
    `scanned ${s.targets} ${noun} in ${seconds} s: ${counts} (${s.unreachable} ` +
    `unreachable), ${s.errors} errors`
  );
}

/** The one-line progress shown on a TTY; `fraction` when the list's size is known. */
export function progressLine(s: ScanSummary, active: number, fraction: number | null): string {
  const rate = s.durationMs > 0 ? (s.targets / s.durationMs) * 1000 : 0;
  const done = fraction === null ? '' : `${Math.min(100, Math.floor(fraction * 100))}% `;
  const b = s.bySeverity;
  return (
    `${done}${s.targets} done, ${active} in flight, ${rate.toFixed(1)}/s | ok ${b.ok} info ` +
    `${b.info} warn ${b.warn} fail ${b.fail} errors ${s.errors}`
  );
}
