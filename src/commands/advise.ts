/**
 * `tlsflight advise HOST --shape S [--rtt MS]` probes then applies the decision matrix;
 * `--report FILE` advises on a saved report instead (consumers never need to probe).
 */
import type { Command } from 'commander';
import { advise, DEFAULT_RTT_MS } from '../advice/advise.js';
import { renderAdviceMarkdown, renderAdviceText } from '../advice/render.js';
import { type Advice, SHAPES, type Shape } from '../advice/types.js';
import { TlsflightError } from '../errors.js';
import { notBeforeFromFiles } from './client-cert-dates.js';
import { exitCodeFor, formatOf, type OutputFlags, useColor, writeOutputFile } from './output.js';
import type { ProbeFlags } from './probe-flags.js';
import { probeTarget } from './probe-target.js';
import { readReportFile } from './report-file.js';
import { parseRttList } from './round-trip-flags.js';

/** Flags of the advise command. */
export interface AdviseFlags extends ProbeFlags, OutputFlags {
  shape: string;
  report?: string;
  previous?: string;
}

/** Checks a --shape value. */
export function parseShape(value: string): Shape {
  if ((SHAPES as readonly string[]).includes(value)) return value as Shape;
  throw new TlsflightError('BAD_OPTION', `bad --shape '${value}': expected ${SHAPES.join(', ')}`);
}

/** The RTT advice prices savings at: the first --rtt given (300 ms by default). */
export function adviceRtt(values: string[] | undefined): number {
  return parseRttList(values ?? [])[0] ?? DEFAULT_RTT_MS;
}

/** Renders advice in the chosen format. */
export function renderAdvice(advice: Advice, flags: OutputFlags): string {
  const format = formatOf(flags);
  if (format === 'json') return `${JSON.stringify(advice, null, 2)}\n`;
  if (format === 'markdown') return renderAdviceMarkdown(advice);
  return renderAdviceText(advice, useColor(flags));
}

/** Client certificate files named on the command line (for their notBefore). */
export function clientCertFiles(flags: Pick<ProbeFlags, 'cert' | 'clientCert'>): string[] {
  return [flags.cert, ...(flags.clientCert ?? [])].filter(
    (f): f is string => typeof f === 'string',
  );
}

/** Runs the advise command; returns the exit code. */
export async function adviseCommand(
  target: string | undefined,
  flags: AdviseFlags,
  _cmd?: Command,
): Promise<number> {
  const shape = parseShape(flags.shape);
  const rttMs = adviceRtt(flags.rtt);
  if (target && flags.report)
    throw new TlsflightError(
      'BAD_OPTION',
      `give a target or --report, not both (got '${target}' and '${flags.report}')`,
    );
  if (!target && !flags.report)
    throw new TlsflightError(
      'BAD_OPTION',
      'advise needs a target to probe (host[:port]) or --report FILE',
    );
  const report = flags.report
    ? await readReportFile(flags.report)
    : await probeTarget(target!, flags);
  const previous = flags.previous ? await readReportFile(flags.previous) : undefined;
  const notBeforeOf = flags.report ? undefined : notBeforeFromFiles(clientCertFiles(flags));
  const advice = advise(report, { shape, rttMs, previous, rotation: { notBeforeOf } });
  await writeOutputFile(flags, `${JSON.stringify(advice, null, 2)}\n`);
  process.stdout.write(renderAdvice(advice, flags));
  return exitCodeFor(advice.findings, flags.failOn);
}
