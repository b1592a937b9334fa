/** Text and Markdown renderings of advice and of the client certificate rotation window. */
import { cell, ICON, severityLabel as label } from '../render/marks.js';
import { describeSaving } from './advise.js';
import type { Advice, AdviceItem, Note, RotationAssessment } from './types.js';

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '-');

/** The advice as terminal text. */
export function renderAdviceText(a: Advice, color = false): string {
  const lines = [
    `tlsflight advice  ${a.target}  shape ${a.shape}  at RTT ${a.rttMs} ms  (report ` +
      `${a.reportStartedAt})`,
  ];
  lines.push('', 'Change first');
  if (a.change.length === 0)
    lines.push('  nothing: every control this report can judge is in place');
  for (const [n, i] of a.change.entries()) lines.push(...changeLines(i, n + 1, color));
  lines.push('', 'Already right');
  if (a.right.length === 0) lines.push('  none');
  for (const i of a.right) {
    lines.push(`  ${label('ok', color)} ${i.control}: ${i.evidence}`);
    if (i.saving) lines.push(`       worth ${describeSaving(i.saving)}`);
  }
  if (a.unmeasured.length) lines.push('', 'Not measured by one probe');
  for (const i of a.unmeasured)
    lines.push(
      `  ?    ${i.control}: ${i.evidence}`,
      `       would save ${describeSaving(i.saving)}`,
    );
  lines.push(
    ...noteLines('Watch out', a.watchOuts, color),
    ...noteLines('FAQ diagnoses', a.diagnoses, color),
  );
  if (a.rotation) lines.push('', ...renderRotationText(a.rotation, color));
  return `${lines.join('\n')}\n`;
}

function changeLines(i: AdviceItem, n: number, color: boolean): string[] {
  return [
    `  ${n}. ${label(i.severity, color)} ${i.control}: ${i.evidence}`,
    `       → ${i.action}`,
    `       saves ${describeSaving(i.saving)}`,
  ];
}

function noteLines(title: string, notes: Note[], color: boolean): string[] {
  if (notes.length === 0) return [];
  return [
    '',
    title,
    ...notes.flatMap((n) => [
      `  ${label(n.severity, color)} ${n.text}`,
      `       → ${n.mitigation}`,
    ]),
  ];
}

/** The rotation window as text lines (a section of probe and advise output). */
export function renderRotationText(r: RotationAssessment, color = false): string[] {
  const opens = r.windowOpens ? `opens ${day(r.windowOpens)}` : 'open at report time';
  return [
    `Client certificate rotation (${r.state}; window ${opens})`,
    `  old ${r.old.subject} (${r.old.source}): ${r.old.verdict}, notAfter ${day(r.old.notAfter)}`,
    `  new ${r.new.subject} (${r.new.source}): ${r.new.verdict}, notBefore ${day(r.new.notBefore)}`,
    ...r.findings.map((f) => `  ${label(f.severity, color)} ${f.id}: ${f.title}`),
  ];
}

/** The advice as Markdown, fit for a pull-request comment. */
export function renderAdviceMarkdown(a: Advice): string {
  const lines = [`### tlsflight advice: \`${a.target}\` (${a.shape}, RTT ${a.rttMs} ms)`, ''];
  lines.push('**Change first**', '');
  if (a.change.length === 0)
    lines.push('Nothing: every control this report can judge is in place.');
  else {
    lines.push(
      `| # | | Control | Measured | Change | Saves at ${a.rttMs} ms |`,
      '|---|---|---|---|---|---|',
    );
    for (const [n, i] of a.change.entries()) {
      lines.push(
        `| ${n + 1} | ${ICON[i.severity]} | ${cell(i.control)} | ${cell(i.evidence)} | ` +
          `${cell(i.action)} | ${cell(describeSaving(i.saving))} |`,
      );
    }
  }
  lines.push('', '**Already right**', '');
  if (a.right.length === 0) lines.push('None.');
  else {
    lines.push('| Control | Measured | Worth |', '|---|---|---|');
    for (const i of a.right)
      lines.push(
        `| ${cell(i.control)} | ${cell(i.evidence)} | ` +
          `${i.saving ? cell(describeSaving(i.saving)) : '-'} |`,
      );
  }
  lines.push(
    ...noteMarkdown(
      'Not measured by one probe',
      a.unmeasured.map((i) => `${i.control}: ${i.evidence}`),
    ),
  );
  lines.push(
    ...noteMarkdown(
      'Watch out',
      a.watchOuts.map((n) => `${ICON[n.severity]} ${n.text} ${n.mitigation}`),
    ),
  );
  lines.push(
    ...noteMarkdown(
      'FAQ diagnoses',
      a.diagnoses.map((n) => `${ICON[n.severity]} ${n.text} ${n.mitigation}`),
    ),
  );
  if (a.rotation) lines.push('', ...renderRotationMarkdown(a.rotation));
  return `${lines.join('\n')}\n`;
}

function noteMarkdown(title: string, items: string[]): string[] {
  return items.length ? ['', `**${title}**`, '', ...items.map((s) => `- ${s}`)] : [];
}

/** The rotation window as Markdown lines. */
export function renderRotationMarkdown(r: RotationAssessment): string[] {
  return [
    `**Client certificate rotation**: ${r.state}, window ` +
      `${r.windowOpens ? `opens ${day(r.windowOpens)}` : 'open at report time'}`,
    '',
    '| | Certificate | Verdict | Date |',
    '|---|---|---|---|',
    `| old | ${cell(r.old.subject)} | ${r.old.verdict} | notAfter ${day(r.old.notAfter)} |`,
    `| new | ${cell(r.new.subject)} | ${r.new.verdict} | notBefore ${day(r.new.notBefore)} |`,
    '',
    ...r.findings.map((f) => `- ${ICON[f.severity]} **${f.id}**: ${cell(f.title)}`),
  ];
}
