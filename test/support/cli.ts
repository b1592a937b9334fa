/**
 * Child processes for tests and benches: the built CLI, or any command, run to completion with
 * stdin given and closed, both streams collected, and a SIGKILL bound so a run never hangs.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point (dist/src/cli.js). */
export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** How a child run ended and what it wrote. */
export interface ChildRun {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in the order they arrived. */
  output: string;
  ms: number;
}

/** How to run a child. */
export interface ChildOptions {
  /** Written to stdin, which is then closed. */
  input?: string;
  /** SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Sends `signal` once stdout matches `until` (for commands that run until stopped). */
  stop?: { until: RegExp; signal: NodeJS.Signals };
}

/** Runs `cmd` to completion; rejects only when it cannot be started. */
export function runChild(cmd: string, args: string[], opts: ChildOptions = {}): Promise<ChildRun> {
  const started = performance.now();
  const env = { ...process.env, ...opts.env };
  const child = spawn(cmd, args, { stdio: 'pipe', env });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const run = { stdout: '', stderr: '', output: '' };
  child.stdout.on('data', (d: Buffer) => {
    run.stdout += d;
    run.output += d;
    if (opts.stop?.until.test(run.stdout)) child.kill(opts.stop.signal);
  });
  child.stderr.on('data', (d: Buffer) => {
    run.stderr += d;
    run.output += d;
  });
  child.stdin.on('error', () => {});
  child.stdin.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ ...run, code, ms: performance.now() - started });
    });
  });
}

/** Runs the built CLI as a user would, without colours (NO_COLOR set). */
export function runCli(args: string[], opts: ChildOptions = {}): Promise<ChildRun> {
  return runChild(process.execPath, [CLI, ...args], {
    ...opts,
    env: { NO_COLOR: '1', ...opts.env },
  });
}
