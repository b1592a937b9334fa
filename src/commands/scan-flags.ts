/** The flags only `tlsflight scan` has; declared apart so the CLI loads no scan code at start. */
import { type Command, Option } from 'commander';
import type { Severity } from '../report/model.js';
import type { ProbeFlags } from './probe-flags.js';

/** Flags of the scan command (the probe flags plus these). */
export interface ScanFlags extends ProbeFlags {
  concurrency: string;
  targetTimeout?: string;
  failOn: Severity;
  verbose?: boolean;
}

/** Declares the scan-only flags. */
export function addScanFlags(cmd: Command): Command {
  return cmd
    .option('--concurrency <n>', 'targets probed at the same time', '32')
    .option('--target-timeout <ms>', 'limit for one whole target (default: 3 x --timeout)')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a target reaches this severity or fails')
        .choices(['info', 'warn', 'fail'])
        .default('fail'),
    )
    .option('--verbose', 'stack traces of unexpected errors on stderr');
}
