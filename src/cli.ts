#!/usr/bin/env node
/**
 * tlsflight's command line: a thin layer of commands over the probes and the report.
 * Only this file calls process.exit; commands return their exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { outputOptions } from './commands/output.js';
import { addProbeFlags } from './commands/probe-flags.js';
import { addScanFlags } from './commands/scan-flags.js';
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

/** --shape: the traffic shapes of the advice's decision matrix. */
function shapeOption(description: string): Option {
  return new Option('--shape <shape>', description).choices(['public-api', 'registry', 'mesh']);
}

function withOutput(cmd: Command): Command {
  for (const option of outputOptions()) cmd.addOption(option);
  return cmd;
}

/** Builds the program; exported for tests. */
export function buildProgram(): Command {
  const program = new Command('tlsflight')
    .description(
      'Measure and explain the first TLS handshake: round trips, resumption, OCSP stapling, ' +
        'mutual TLS.',
    )
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError(false)
    // Commander's own usage errors read like ours: "tlsflight: <what>", one line.
    .configureOutput({
      outputError: (text, write) => write(`tlsflight: ${text.replace(/^error: /, '')}`),
    })
    .hook('preAction', async (_program, action) => {
      // Fail on an unwritable --output before probing, not after.
      const output = action.opts().output as string | undefined;
      if (output) await (await import('./util/atomic-write.js')).assertWritable(output);
    });
  withOutput(addProbeFlags(program.command('probe <target>')))
    .description('probe one endpoint (host[:port], port 443 by default)')
    .addOption(shapeOption('add advice for this traffic shape to text and Markdown output'))
    .action(lazy(async () => (await import('./commands/probe.js')).probeCommand));
  withOutput(addProbeFlags(program.command('advise [target]')))
    .description('probe an endpoint (or read --report) and rank what to change for a traffic shape')
    .addOption(
      shapeOption('traffic shape the decision matrix is applied for').makeOptionMandatory(),
    )
    .option('--report <file>', 'advise on a saved JSON report instead of probing')
    .option(
      '--previous <file>',
      'an earlier report of the same endpoint (for two-report diagnoses)',
    )
    .action(lazy(async () => (await import('./commands/advise.js')).adviseCommand));
  addScanFlags(addProbeFlags(program.command('scan [file]')))
    .description('probe every host[:port] line of a file (or stdin: - or none), NDJSON to stdout')
    .action(lazy(async () => (await import('./commands/scan.js')).scanCommand));
  withOutput(program.command('diff <old> <new>'))
    .description('classify what changed between two saved reports of one endpoint')
    .action(lazy(async () => (await import('./commands/diff.js')).diffCommand));
  withOutput(program.command('demo'))
    .description(
      'start local endpoints with a fresh PKI, probe each and compare (no internet needed)',
    )
    .option('--rtt <ms>', 'emulated round-trip time', '300')
    .action(lazy(async () => (await import('./commands/demo.js')).demoCommand));
  program
    .command('lab')
    .description(
      'run local endpoints for each case (stapling, resumption, mTLS, chain faults) until Ctrl-C',
    )
    .option('--rtt <ms>', 'emulated round-trip time per endpoint', '0')
    .option('--config <file>', 'endpoints from a JSON file instead of the built-in set')
    .option('--dir <dir>', 'keep the PKI here (its CAs are reused on the next run)')
    .option('--only <names>', 'start only these endpoints (comma-separated)')
    .action(lazy(async () => (await import('./commands/lab.js')).labCommand));
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
    // One line, whatever the cause quoted (a file's first bytes may hold newlines).
    process.stderr.write(`tlsflight: ${message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
    if (verbose && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 2;
  }
}

await main(process.argv);
