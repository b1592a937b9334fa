/** Types of `diffReports`: one classified change per row of the rotation matrix. */
import type { Note } from '../advice/types.js';
import type { Finding, Severity } from '../report/model.js';

/** The classes of change, after the rotation matrix. */
export type ChangeClass =
  | 'endpoint'
  | 'leaf-same-key'
  | 'leaf-new-key'
  | 'intermediate-swapped'
  | 'intermediate-cross-signed'
  | 'chain-size'
  | 'chain-health'
  | 'staple'
  | 'ticket-lifetime'
  | 'resumption'
  | 'version'
  | 'alpn'
  | 'group'
  | 'client-auth-cas'
  | 'client-auth-mode'
  | 'client-cert-verdict';

/** What a user reads for each class. */
export const CHANGE_LABEL: Record<ChangeClass, string> = {
  endpoint: 'different endpoint',
  'leaf-same-key': 'leaf replaced, same key',
  'leaf-new-key': 'leaf and key replaced',
  'intermediate-swapped': 'intermediate swapped',
  'intermediate-cross-signed': 'intermediate cross-signed',
  'chain-size': 'chain length or bytes changed',
  'chain-health': 'chain validity changed',
  staple: 'staple source or freshness changed',
  'ticket-lifetime': 'ticket lifetime hint changed',
  resumption: 'resumption changed',
  version: 'TLS version changed',
  alpn: 'ALPN changed',
  group: 'key exchange group changed',
  'client-auth-cas': 'client-auth CA list changed',
  'client-auth-mode': 'client-auth mode changed',
  'client-cert-verdict': 'client certificate verdict changed',
};

/** One classified change with its user impact and mitigation, one line each. */
export interface Change {
  class: ChangeClass;
  severity: Severity;
  title: string;
  impact: string;
  mitigation: string;
  before: string | null;
  after: string | null;
}

/** Which snapshot is which. */
export interface Snapshot {
  target: string;
  address: string | null;
  startedAt: string;
}

/** The classified difference between two reports of one endpoint. */
export interface ReportDiff {
  old: Snapshot;
  new: Snapshot;
  changes: Change[];
  /** FAQ diagnoses that need two reports. */
  diagnoses: Note[];
  /** Changes and diagnoses as findings, for --fail-on and exit codes. */
  findings: Finding[];
}

/** Builds a change. */
export function change(
  cls: ChangeClass,
  severity: Severity,
  title: string,
  impact: string,
  mitigation: string,
  before: string | null = null,
  after: string | null = null,
): Change {
  return { class: cls, severity, title, impact, mitigation, before, after };
}
