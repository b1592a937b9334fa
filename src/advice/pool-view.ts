/**
 * The pool facts advice uses (report.pool: one row per terminator, the ticket matrix, the
 * resumption rate, 0-RTT). Reports saved before pools existed have no `pool` key, hence `?.`.
 */
import type { PoolInfo, Report } from '../report/model.js';

/** The pool section, or null for one address or an older report. */
export function poolOf(report: Report): PoolInfo | null {
  return report.pool ?? null;
}

/** Addresses with and without a good staple, when the pool has both kinds. */
export function mixedStapling(report: Report): { with: string[]; without: string[] } | null {
  const rows = poolOf(report)?.addresses.filter((a) => a.error === null && a.staple !== null) ?? [];
  const good = rows
    .filter((a) => a.staple?.present && a.staple.state === 'good')
    .map((a) => a.address);
  const without = rows.filter((a) => !good.includes(a.address)).map((a) => a.address);
  return good.length > 0 && without.length > 0 ? { with: good, without } : null;
}

/** Whether the pool's terminators share ticket keys: false for groups or none, null unknown. */
export function ticketKeysShared(report: Report): boolean | null {
  const verdict = poolOf(report)?.ticketMatrix?.verdict;
  return verdict === undefined ? null : verdict === 'shared-by-all';
}

/** The ticket groups as a user reads them: "A (10.0.0.1, 10.0.0.2), B (10.0.0.3)". */
export function ticketGroups(report: Report): string {
  const groups = poolOf(report)?.ticketMatrix?.groups ?? [];
  return groups.map((g) => `${g.name} (${g.addresses.join(', ')})`).join(', ');
}

/** Resumption as a percentage: the pool's measured rate, else 100 or 0 from the one retry. */
export function resumptionPercent(report: Report): number | null {
  const rate = poolOf(report)?.resumptionRate;
  if (rate) return rate.ratePercent;
  const resumed = report.resumption?.resumed;
  return resumed === true ? 100 : resumed === false ? 0 : null;
}

/** Resumption as a user reads it: "90% (9 of 10 attempts)" or "resumed (psk)". */
export function resumptionText(report: Report): string {
  const rate = poolOf(report)?.resumptionRate;
  if (rate) return `${rate.ratePercent}% (${rate.resumed} of ${rate.attempts} attempts)`;
  const s = report.resumption;
  if (!s || s.resumed === null) return 'not probed';
  return s.resumed
    ? `resumed (${s.mechanism})`
    : s.offered === 'none'
      ? 'no ticket issued'
      : 'not resumed';
}
