/** Helpers for building and ranking findings. */
import type { Finding, Severity } from './model.js';

const RANK: Record<Severity, number> = { ok: 0, info: 1, warn: 2, fail: 3 };

/** Builds a finding; `impact` says what it means for a user ~300 ms away. */
export function finding(
  id: string,
  severity: Severity,
  title: string,
  impact: string,
  detail?: Finding['detail'],
): Finding {
  return detail ? { id, severity, title, impact, detail } : { id, severity, title, impact };
}

/** Numeric rank of a severity, for comparisons and sorting. */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** The worst severity among findings ('ok' when there are none). */
export function worstSeverity(findings: Finding[]): Severity {
  return findings.reduce<Severity>(
    (worst, f) => (RANK[f.severity] > RANK[worst] ? f.severity : worst),
    'ok',
  );
}

/** Findings sorted worst first, keeping the probes' order within a severity. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[b.severity] - RANK[a.severity]);
}
