/** `tlsflight diff OLD.json NEW.json`: changes between two reports, by the rotation matrix. */
import type { Command } from 'commander';
import { diffReports } from '../diff/diff.js';
import { renderDiffMarkdown, renderDiffText } from '../diff/render.js';
import type { ReportDiff } from '../diff/types.js';
import { exitCodeFor, formatOf, type OutputFlags, useColor, writeOutputFile } from './output.js';
import { readReportFile } from './report-file.js';

/** Renders a diff in the chosen format. */
export function renderDiff(diff: ReportDiff, flags: OutputFlags): string {
  const format = formatOf(flags);
  if (format === 'json') return `${JSON.stringify(diff, null, 2)}\n`;
  if (format === 'markdown') return renderDiffMarkdown(diff);
  return renderDiffText(diff, useColor(flags));
}

/** Runs the diff command; returns the exit code. */
export async function diffCommand(
  oldPath: string,
  newPath: string,
  flags: OutputFlags,
  _cmd?: Command,
): Promise<number> {
  const [before, after] = await Promise.all([readReportFile(oldPath), readReportFile(newPath)]);
  const diff = diffReports(before, after);
  await writeOutputFile(flags, `${JSON.stringify(diff, null, 2)}\n`);
  process.stdout.write(renderDiff(diff, flags));
  return exitCodeFor(diff.findings, flags.failOn);
}
