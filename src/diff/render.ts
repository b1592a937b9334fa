/** Text and Markdown renderings of a report diff. */
import { cell, ICON, severityLabel as label } from '../render/marks.js';
import { CHANGE_LABEL, type ReportDiff } from './types.js';

function heading(d: ReportDiff): string {
  const where = (s: ReportDiff['old']) =>
    `${s.target}${s.address ? ` via ${s.address}` : ''} at ${s.startedAt}`;
  return `old ${where(d.old)}\nnew ${where(d.new)}`;
}

/** The diff as terminal text: one block per change, label first. */
export function renderDiffText(d: ReportDiff, color = false): string {
  const lines = ['tlsflight diff', heading(d), ''];
  if (d.changes.length === 0) lines.push('No change in the rows of the rotation matrix.');
  for (const c of d.changes) {
    lines.push(`  ${label(c.severity, color)} ${CHANGE_LABEL[c.class]}: ${c.title}`);
    lines.push(`       impact: ${c.impact}`, `       mitigation: ${c.mitigation}`);
  }
  if (d.diagnoses.length) lines.push('', 'FAQ diagnoses');
  for (const n of d.diagnoses)
    lines.push(`  ${label(n.severity, color)} ${n.text}`, `       → ${n.mitigation}`);
  return `${lines.join('\n')}\n`;
}

/** The diff as Markdown, fit for a pull-request comment. */
export function renderDiffMarkdown(d: ReportDiff): string {
  const lines = [
    `### tlsflight diff: \`${d.new.target}\``,
    '',
    `Old snapshot ${d.old.startedAt}${d.old.address ? ` (${d.old.address})` : ''}, new ` +
      `${d.new.startedAt}${d.new.address ? ` (${d.new.address})` : ''}.`,
    '',
  ];
  if (d.changes.length === 0) lines.push('No change in the rows of the rotation matrix.');
  else {
    lines.push('| | Change | What changed | User impact | Mitigation |', '|---|---|---|---|---|');
    for (const c of d.changes) {
      lines.push(
        `| ${ICON[c.severity]} | ${CHANGE_LABEL[c.class]} | ${cell(c.title)} | ${cell(c.impact)} ` +
          `| ${cell(c.mitigation)} |`,
      );
    }
  }
  if (d.diagnoses.length) {
    lines.push(
      '',
      '**FAQ diagnoses**',
      '',
      ...d.diagnoses.map((n) => `- ${ICON[n.severity]} ${cell(n.text)} ${cell(n.mitigation)}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
