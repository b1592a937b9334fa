#!/usr/bin/env node
/**
 * tlsflight's command line: a thin layer of commands over the probes and the report.
 * Only this file calls process.exit; commands return their exit code.
 */
import { Command, CommanderError } from 'commander';
import { outputOptions } from './commands/output.js';
import { addProbeFlags } from './commands/probe-flags.js';
import { describeError, TlsflightError } from './errors.js';
import { TOOL_VERSION } from './version.js';

type Action = (...args: never[]) => Promise<number>;

/** Wraps a lazily loaded command so its exit code and errors reach main(). */
function lazy(load: () => Promise<Action>) {
  return async (...args: unknown[]) => {
    const run = await load();
    process.exitCode = await (run as (...a: unknown[]) => Promise<number>)(...args);
  };
}

function withOutput(cmd: Command): Command {
  for (const option of outputOptions()) cmd.addOption(option);
  return cmd;
}

/** Builds the program; exported for tests. */
export function buildProgram(): Command {
  const program = new Command('tlsflight')
    .description(
      'Measure and explain the first TLS handshake: round trips, resumption, OCSP stapling, mutual TLS.',
    )
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError(false);
  withOutput(addProbeFlags(program.command('probe <target>')))
    .description('probe one endpoint (host[:port], port 443 by default)')
    .action(lazy(async () => (await import('./commands/probe.js')).probeCommand));
  withOutput(program.command('demo'))
    .description(
      'start local endpoints with a fresh PKI, probe each and compare (no internet needed)',
    )
    .option('--rtt <ms>', 'emulated round-trip time', '300')
    .action(lazy(async () => (await import('./commands/demo.js')).demoCommand));
  return program;
}

async function main(argv: string[]): Promise<void> {
  const verbose = argv.includes('--verbose');
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const message =
      err instanceof TlsflightError ? err.message : `unexpected error: ${describeError(err)}`;
    process.stderr.write(`tlsflight: ${message}\n`);
    if (verbose && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 2;
  }
}

await main(process.argv);
