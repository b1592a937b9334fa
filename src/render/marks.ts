/** Severity marks and table cells shared by the text and Markdown renderers. */
import type { Severity } from '../report/model.js';

/** ANSI colour codes of the severity labels. */
const CODES: Record<Severity, number> = { ok: 32, info: 36, warn: 33, fail: 31 };

/** The icon a severity shows in Markdown (GitHub renders these in PR comments). */
export const ICON: Record<Severity, string> = {
  ok: '✅',
  info: 'ℹ️',
  warn: '⚠️',
  fail: '❌',
};

/** `WARN`, `OK  `...: the severity as a four-column terminal label, coloured when asked. */
export function severityLabel(severity: Severity, color: boolean): string {
  const text = severity.toUpperCase().padEnd(4);
  return color ? `\u001b[${CODES[severity]}m${text}\u001b[39m` : text;
}

/** Text made safe for one Markdown table cell: pipes escaped, line breaks flattened. */
export const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
