/**
 * Applies the decision matrix (rules.ts) to one report: what is already right, what to change
 * first with its saving at the user's RTT, the watch-outs and FAQ diagnoses that apply, and the
 * client certificate rotation window. Reads the report only.
 */
import { finding, severityRank } from '../report/findings.js';
import type { Finding, Report, Severity } from '../report/model.js';
import { diagnose } from './diagnoses.js';
import { assessRotation, type RotationOptions } from './rotation.js';
import { CONTROLS, WATCH_OUTS } from './rules.js';
import type { Advice, AdviceItem, Control, Note, Saving, Shape } from './types.js';

/** Options of advise(). */
export interface AdviseOptions {
  shape: Shape;
  /** The user's round-trip time in ms (the CLI's --rtt, 300 by default). */
  rttMs: number;
  /** An earlier report of the same endpoint, for the diagnoses that need two. */
  previous?: Report;
  rotation?: RotationOptions;
}

/** Default RTT: a cross-border user (the seed's 200-350 ms band). */
export const DEFAULT_RTT_MS = 300;

/** The advice for one report. */
export function advise(report: Report, options: AdviseOptions): Advice {
  const items = CONTROLS.flatMap((c) => judge(c, report, options));
  const byRank = (a: AdviceItem, b: AdviceItem) =>
    a.priority - b.priority ||
    severityRank(b.severity) - severityRank(a.severity) ||
    (b.saving?.ms ?? 0) - (a.saving?.ms ?? 0);
  const pick = (status: AdviceItem['status']) =>
    items.filter((i) => i.status === status).sort(byRank);
  const watchOuts = watchOutsFor(report, options.shape);
  const diagnoses = diagnose(report, options.shape, options.previous);
  const rotation = assessRotation(report, options.rotation);
  const advice: Advice = {
    shape: options.shape,
    rttMs: options.rttMs,
    target: `${report.target.host}:${report.target.port}`,
    reportStartedAt: report.startedAt,
    right: pick('right'),
    change: pick('change'),
    unmeasured: pick('unmeasured'),
    watchOuts,
    diagnoses,
    rotation,
    findings: [],
  };
  advice.findings = adviceFindings(advice);
  return advice;
}

function judge(control: Control, report: Report, options: AdviseOptions): AdviceItem[] {
  const priority = control.priority[options.shape];
  if (priority === null) return [];
  const check = control.check(report);
  const saving = control.saving(report, options.rttMs, check.status);
  const severity: Severity =
    check.status === 'right'
      ? 'ok'
      : check.status === 'unmeasured'
        ? 'info'
        : changeSeverity(control, priority);
  return [
    {
      id: control.id,
      control: control.control,
      priority,
      status: check.status,
      severity,
      evidence: check.evidence,
      action: control.action,
      saving,
    },
  ];
}

function changeSeverity(control: Control, priority: 1 | 2 | 3): Severity {
  return control.severity ?? (priority === 1 ? 'warn' : 'info');
}

function watchOutsFor(report: Report, shape: Shape): Note[] {
  return WATCH_OUTS.filter((w) => w.shapes.includes(shape)).flatMap((w): Note[] => {
    const applies = w.applies(report);
    if (applies === false) return [];
    if (applies === null) {
      return [
        {
          id: `watch.${w.id}`,
          severity: 'info',
          text: `Not measured: ${w.unmeasured}`,
          mitigation: w.mitigation,
          measured: false,
        },
      ];
    }
    return [
      {
        id: `watch.${w.id}`,
        severity: w.severity,
        text: w.text(report),
        mitigation: w.mitigation,
        measured: true,
      },
    ];
  });
}

/** One line for a saving: "1 round trip = 300 ms per each new connection (model)". */
export function describeSaving(s: Saving | null): string {
  if (!s) return 'no round trip';
  const rt = `${s.roundTrips} round trip${s.roundTrips === 1 ? '' : 's'} = ${s.ms} ms`;
  const bytes = s.bytes ? ` and ${s.bytes} B` : '';
  return `${rt}${bytes}, ${s.per} (${s.basis})`;
}

function adviceFindings(a: Advice): Finding[] {
  const items = [...a.right, ...a.change].map((i) =>
    finding(
      `advice.${i.id}`,
      i.severity,
      `${i.status === 'right' ? 'Already right' : 'Change'}: ${i.control}. ${i.evidence}`,
      i.status === 'right'
        ? i.saving
          ? `Worth ${describeSaving(i.saving)}.`
          : 'In place.'
        : `${i.action} Saves ${describeSaving(i.saving)}.`,
      { priority: i.priority, roundTrips: i.saving?.roundTrips ?? null, ms: i.saving?.ms ?? null },
    ),
  );
  const notes = [...a.watchOuts, ...a.diagnoses]
    .filter((n) => n.measured)
    .map((n) => finding(n.id, n.severity, n.text, n.mitigation));
  return [...items, ...notes, ...(a.rotation?.findings ?? [])];
}
