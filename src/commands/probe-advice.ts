/**
 * What `tlsflight probe` adds from the advice layer: the client certificate rotation window
 * (findings appended to the report) and, with --shape, the advice for that traffic shape.
 */
import { advise } from '../advice/advise.js';
import {
  renderAdviceMarkdown,
  renderAdviceText,
  renderRotationMarkdown,
  renderRotationText,
} from '../advice/render.js';
import { assessRotation } from '../advice/rotation.js';
import type { Finding, Report } from '../report/model.js';
import { adviceRtt, clientCertFiles, parseShape } from './advise.js';
import { notBeforeFromFiles } from './client-cert-dates.js';
import { formatOf, type OutputFlags, useColor } from './output.js';
import type { ProbeFlags } from './probe-flags.js';

/** Flags the probe command carries for advice (--rtt is the flight model's list). */
export interface ProbeAdviceFlags
  extends Pick<ProbeFlags, 'cert' | 'clientCert' | 'rtt'>,
    OutputFlags {
  shape?: string;
}

/** Extra output of a probe: text for the chosen format and findings for the exit code. */
export interface ProbeAdvice {
  /** Appended after the rendered report (empty for JSON, which stays the report itself). */
  section: string;
  /** Findings of the advice (rotation findings are appended to the report instead). */
  findings: Finding[];
}

/** Appends rotation findings to `report` and builds the --shape advice, if asked for. */
export function probeAdvice(report: Report, flags: ProbeAdviceFlags): ProbeAdvice {
  const notBeforeOf = notBeforeFromFiles(clientCertFiles(flags));
  const rotation = assessRotation(report, { notBeforeOf });
  if (rotation) report.findings.push(...rotation.findings);
  const format = formatOf(flags);
  const color = useColor(flags);
  const parts: string[] = [];
  if (rotation && format !== 'json') {
    parts.push(
      format === 'markdown'
        ? renderRotationMarkdown(rotation).join('\n')
        : renderRotationText(rotation, color).join('\n'),
    );
  }
  if (!flags.shape) return { section: joined(parts), findings: [] };
  const rttMs = adviceRtt(flags.rtt);
  const advice = advise(report, {
    shape: parseShape(flags.shape),
    rttMs,
    rotation: { notBeforeOf },
  });
  if (format === 'markdown') parts.push(renderAdviceMarkdown(advice).trimEnd());
  else if (format === 'text') parts.push(renderAdviceText(advice, color).trimEnd());
  const own = advice.findings.filter((f) => !f.id.startsWith('rotation.'));
  return { section: joined(parts), findings: own };
}

function joined(parts: string[]): string {
  return parts.length ? `\n${parts.join('\n\n')}\n` : '';
}
