/** `tlsflight probe HOST[:PORT]`: one first-handshake report. */
import type { Command } from 'commander';
import { TlsflightError } from '../errors.js';
import { toPoolRequest, withFirstMember } from '../pool/options.js';
import { probePoolIfAsked } from '../pool/pool.js';
import { defaultDeps, runProbe } from '../probe.js';
import { prepareSetup } from '../probes/setup.js';
import { parseTarget } from '../probes/target.js';
import { renderJson } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import { renderText } from '../render/text.js';
import type { Report } from '../report/model.js';
import { exitCodeFor, formatOf, type OutputFlags, useColor, writeOutputFile } from './output.js';
import { probeAdvice } from './probe-advice.js';
import { type ProbeFlags, toProbeOptions, toSetupOptions } from './probe-flags.js';

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
  const spec = parseTarget(target);
  const pool = toPoolRequest(flags, spec);
  const options = withFirstMember(toProbeOptions(spec, flags), pool);
  const setup = prepareSetup(toSetupOptions(flags));
  const report = await runProbe(options, setup, defaultDeps);
  if (report.connectionError) throw new TlsflightError('CONNECT_FAILED', report.connectionError);
  // The pool runs after the single-address report, which stays the report of the first address.
  await probePoolIfAsked(report, pool, options, setup);
  // Rotation findings join the report; --shape advice is a section after it (JSON stays the report).
  const advice = probeAdvice(report, flags);
  await writeOutputFile(flags, renderJson(report));
  process.stdout.write(renderReport(report, flags) + advice.section);
  return exitCodeFor([...report.findings, ...advice.findings], flags.failOn);
}
