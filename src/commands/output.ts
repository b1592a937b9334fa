/** Output shared by commands: format choice, --output files, exit codes by severity. */
import { Option } from 'commander';
import { TlsflightError } from '../errors.js';
import { severityRank, worstSeverity } from '../report/findings.js';
import type { Finding, Severity } from '../report/model.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export type Format = 'text' | 'json' | 'markdown';

/** Flags for output. */
export interface OutputFlags {
  format: Format;
  json?: boolean;
  output?: string;
  color: boolean;
  verbose?: boolean;
  failOn: Severity;
}

/** Declares the output flags. */
export const outputOptions = () => [
  new Option('--format <format>', 'output format')
    .choices(['text', 'json', 'markdown'])
    .default('text'),
  new Option('--json', 'same as --format json'),
  new Option('--output <file>', 'also write the JSON report to this file (atomically)'),
  new Option('--no-color', 'no colours in text output'),
  new Option('--verbose', 'show the handshake flights and stack traces'),
  new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity')
    .choices(['info', 'warn', 'fail'])
    .default('fail'),
];

/** The format actually asked for. */
export function formatOf(flags: OutputFlags): Format {
  return flags.json ? 'json' : flags.format;
}

/** Whether text should be coloured: a TTY, no NO_COLOR, no --no-color. */
export function useColor(flags: OutputFlags): boolean {
  return flags.color && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/** Writes the JSON file named by --output, if any. */
export async function writeOutputFile(flags: OutputFlags, json: string): Promise<void> {
  if (flags.output) await writeFileAtomic(flags.output, json);
}

/** 0 when no finding reaches --fail-on, 1 otherwise. */
export function exitCodeFor(findings: Finding[], failOn: Severity): number {
  return severityRank(worstSeverity(findings)) >= severityRank(failOn) ? 1 : 0;
}

/** Checks a --fail-on value given programmatically. */
export function parseSeverity(value: string): Severity {
  if (value === 'ok' || value === 'info' || value === 'warn' || value === 'fail') return value;
  throw new TlsflightError('BAD_OPTION', `bad severity '${value}': expected info, warn or fail`);
}
