/**
 * `diffReports(old, new)`: what changed between two snapshots of one endpoint, classified by
 * the rotation matrix, each change with its user impact and mitigation. Reads reports only.
 */
import { resumptionDroppedAfterCertChange } from '../advice/diagnoses.js';
import type { Note } from '../advice/types.js';
import { TlsflightError } from '../errors.js';
import { finding } from '../report/findings.js';
import { REPORT_VERSION, type Report } from '../report/model.js';
import { chainHealthChanges, chainSizeChanges, issuerChanges, leafChanges } from './chain.js';
import { caListChanges, modeChanges, verdictChanges } from './client-auth.js';
import { protocolChanges, stapleChanges, ticketChanges } from './handshake.js';
import { type Change, change, type ReportDiff, type Snapshot } from './types.js';

const major = (version: string) => version.split('.')[0];

/** Throws BAD_REPORT unless `report` has this tool's reportVersion major; `label` names it. */
export function checkReportVersion(report: { reportVersion?: unknown }, label: string): void {
  const v = report.reportVersion;
  if (typeof v !== 'string' || major(v) !== major(REPORT_VERSION)) {
    throw new TlsflightError(
      'BAD_REPORT',
      `${label}: reportVersion ${JSON.stringify(v ?? null)} is not supported (this tlsflight ` +
        `reads ${major(REPORT_VERSION)}.x)`,
    );
  }
}

/** Every classifier, in the order a reader meets the rows of the rotation matrix. */
const CLASSIFIERS: Array<(a: Report, b: Report) => Change[]> = [
  endpointChanges,
  leafChanges,
  issuerChanges,
  chainSizeChanges,
  chainHealthChanges,
  stapleChanges,
  ticketChanges,
  protocolChanges,
  caListChanges,
  modeChanges,
  verdictChanges,
];

/** Classifies what changed from `before` to `after`. */
export function diffReports(before: Report, after: Report): ReportDiff {
  checkReportVersion(before, 'old report');
  checkReportVersion(after, 'new report');
  const changes = CLASSIFIERS.flatMap((classify) => classify(before, after));
  const diagnoses = [
    resumptionDroppedAfterCertChange(before, after),
    staplesDifferByTerminator(before, after),
  ].filter((n): n is Note => n !== null);
  const findings = [
    ...changes.map((c) =>
      finding(`diff.${c.class}`, c.severity, c.title, `${c.impact} ${c.mitigation}`, {
        before: c.before,
        after: c.after,
      }),
    ),
    ...diagnoses.map((n) => finding(n.id, n.severity, n.text, n.mitigation)),
  ];
  return { old: snapshot(before), new: snapshot(after), changes, diagnoses, findings };
}

function snapshot(r: Report): Snapshot {
  return {
    target: `${r.target.host}:${r.target.port}`,
    address: r.target.address,
    startedAt: r.startedAt,
  };
}

function endpointChanges(a: Report, b: Report): Change[] {
  const [x, y] = [snapshot(a), snapshot(b)];
  if (x.target !== y.target) {
    return [
      change(
        'endpoint',
        'warn',
        `Different endpoints: ${x.target} and ${y.target}.`,
        'The rows below may be differences between two endpoints rather than a rotation.',
        'Diff two snapshots of the same host and port.',
        x.target,
        y.target,
      ),
    ];
  }
  if (x.address !== y.address) {
    return [
      change(
        'endpoint',
        'info',
        `Same name, different terminator: ${x.address} → ${y.address}.`,
        'The rows below may be differences between terminators of one pool.',
        'Compare with --connect-to on each address to tell rotation from pool drift.',
        x.address,
        y.address,
      ),
    ];
  }
  return [];
}

/** Two terminators of one name, one stapling and one not: "we stapled but some clients stall". */
function staplesDifferByTerminator(a: Report, b: Report): Note | null {
  const same = a.target.host === b.target.host && a.target.port === b.target.port;
  if (!same || a.target.address === b.target.address) return null;
  const states = [a, b].map((r) => r.stapling?.state);
  if (!states.includes('good') || !states.some((s) => s === 'missing' || s === 'invalid'))
    return null;
  const [good, bad] = states[0] === 'good' ? [a, b] : [b, a];
  return {
    id: 'faq.staples-on-some-terminators',
    severity: 'warn',
    text:
      `${good.target.address} staples but ${bad.target.address} does not ` +
      `(${bad.stapling?.state}): clients that land there still stall on OCSP.`,
    mitigation: 'Enable stapling on every terminator of the name, then probe each address again.',
    measured: true,
  };
}
