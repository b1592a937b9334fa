/** `tlsflight probe HOST[:PORT]`: one first-handshake report. */
import type { Command } from 'commander';
import { renderJson } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import { renderText } from '../render/text.js';
import type { Report } from '../report/model.js';
import { exitCodeFor, formatOf, type OutputFlags, useColor, writeOutputFile } from './output.js';
import { probeAdvice } from './probe-advice.js';
import type { ProbeFlags } from './probe-flags.js';
import { probeTarget } from './probe-target.js';

/** Renders a report in the chosen format. */
export function renderReport(report: Report, flags: OutputFlags): string {
  const format = formatOf(flags);
  if (format === 'json') return renderJson(report);
  if (format === 'markdown') return renderMarkdown(report);
  return renderText(report, { color: useColor(flags), verbose: flags.verbose ?? false });
}

/** Runs the probe command; returns the exit code. */
export async function probeCommand(
  target: string,
  flags: ProbeFlags & OutputFlags & { shape?: string },
  _cmd: Command,
): Promise<number> {
  const report = await probeTarget(target, flags);
  // Rotation findings join the report; --shape advice is a section after it
  // (JSON stays the report).
  const advice = probeAdvice(report, flags);
  await writeOutputFile(flags, renderJson(report));
  process.stdout.write(renderReport(report, flags) + advice.section);
  return exitCodeFor([...report.findings, ...advice.findings], flags.failOn);
}
