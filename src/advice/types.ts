/**
 * Types of the advice layer: traffic shapes, the rows of the decision matrix, and the advice
 * that `advise()` builds from a report. Advice only reads reports; it never probes.
 */
import type { Finding, Report, Severity } from '../report/model.js';

/** The traffic shapes of the decision matrix. */
export type Shape = 'public-api' | 'registry' | 'mesh';

/** Every shape, in the order the matrix prints them. */
export const SHAPES: readonly Shape[] = ['public-api', 'registry', 'mesh'];

/** Rank of a control for a shape: 1 change first, 3 last, null not a goal for this shape. */
export type Priority = 1 | 2 | 3 | null;

/** What the report says about one control. */
export type Status = 'right' | 'change' | 'unmeasured';

/** A control's verdict on one report, with the measured fact behind it. */
export interface Check {
  status: Status;
  /** One sentence quoting what was measured. */
  evidence: string;
}

/** What a control saves at the user's RTT. */
export interface Saving {
  roundTrips: number;
  ms: number;
  /** What one saving is counted against, e.g. "each first visit". */
  per: string;
  /**
   * Where the count came from: the flight model's what-if, the measured flights, or the
   * textbook fallback (no completed handshake to project from).
   */
  basis: 'what-if' | 'measured' | 'model';
  /** Bytes saved as well, when the control saves bytes rather than round trips. */
  bytes?: number;
}

/** One row of the decision matrix: a control, its priority per shape, and how to judge it. */
export interface Control {
  id: string;
  /** Short name of the control, e.g. "TLS 1.3". */
  control: string;
  priority: Record<Shape, Priority>;
  check: (report: Report) => Check;
  /** The saving at `rttMs`: against the endpoint as measured for "change", else its worth. */
  saving: (report: Report, rttMs: number, status: Status) => Saving | null;
  /** One line: what to change when the check says "change". */
  action: string;
  /** Severity of a "change" verdict; by default warn at priority 1, info otherwise. */
  severity?: Severity;
}

/** A risk that comes with a shape: applies, does not apply, or cannot be told from the data. */
export interface WatchOutRule {
  id: string;
  shapes: readonly Shape[];
  severity: Severity;
  /** True when it applies, false when not, null when the report cannot tell. */
  applies: (report: Report) => boolean | null;
  /** One line saying what to watch, with the measured value where there is one. */
  text: (report: Report) => string;
  /** One line for when the report cannot tell: what was not measured and how to measure it. */
  unmeasured: string;
  mitigation: string;
}

/** One control judged for one report and shape. */
export interface AdviceItem {
  id: string;
  control: string;
  priority: 1 | 2 | 3;
  status: Status;
  severity: Severity;
  evidence: string;
  action: string;
  saving: Saving | null;
}

/** A watch-out or an FAQ diagnosis that applies (or could not be checked). */
export interface Note {
  id: string;
  severity: Severity;
  text: string;
  mitigation: string;
  /** False when the data could not tell whether it applies. */
  measured: boolean;
}

/** The two-trust window of a client certificate rotation. */
export interface RotationAssessment {
  old: { subject: string; source: string; verdict: string; notAfter: string };
  new: { subject: string; source: string; verdict: string; notBefore: string | null };
  /** ready: both accepted; not-ready: the new one is refused; retired: only the new one works. */
  state: 'ready' | 'not-ready' | 'retired' | 'broken';
  /** Earliest time both can be in use: the later of the new notBefore and the first acceptance. */
  windowOpens: string | null;
  /** Whether the old certificate's notAfter comes before the window opens. */
  gap: boolean;
  findings: Finding[];
}

/** The advice for one report and shape. */
export interface Advice {
  shape: Shape;
  rttMs: number;
  target: string;
  reportStartedAt: string;
  /** Controls already in place, most important first. */
  right: AdviceItem[];
  /** Controls to change, the first to do first. */
  change: AdviceItem[];
  /** Controls one report cannot judge, with what they would save. */
  unmeasured: AdviceItem[];
  watchOuts: Note[];
  diagnoses: Note[];
  rotation: RotationAssessment | null;
  /** Everything above as findings, for --fail-on and exit codes. */
  findings: Finding[];
}
