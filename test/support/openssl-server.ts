/**
 * The `openssl` command line as a third-party peer for tests: `s_server` on an ephemeral
 * loopback port, `s_client` runs to compare with tlsflight, and the CLI itself for test PKI.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { TlsflightError } from '../../src/errors.js';

const OPENSSL = 'openssl';

const children = new Set<{ child: ChildProcess; group: boolean }>();
let hooked = false;

/** SIGKILLs every child still registered; safe inside an 'exit' handler (synchronous). */
function killAllChildren(): void {
  for (const { child, group } of children) {
    try {
      if (child.pid !== undefined) process.kill(group ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  children.clear();
}

/** Re-raises a fatal signal after cleanup, unless someone else also handles it. */
function onSignal(signal: NodeJS.Signals): void {
  killAllChildren();
  // Registered with once(): ours is gone already, so with no other listener this kills us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/**
 * Kills `child` (its whole process group when `group`, for a `detached` child with workers)
 * if the test process exits or is interrupted before the test tears it down.
 */
export function killWithTestProcess(child: ChildProcess, group = false): void {
  const entry = { child, group };
  children.add(entry);
  child.once('exit', () => children.delete(entry));
  if (hooked) return;
  hooked = true;
  process.once('exit', killAllChildren);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Waits for a child to exit: SIGTERM first, SIGKILL if it lingers. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Collects stdout and stderr of a child, separately and merged in arrival order. */
function collect(child: ChildProcess) {
  const out = { stdout: '', stderr: '', output: '' };
  child.stdout?.on('data', (d: Buffer) => {
    out.stdout += d;
    out.output += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    out.stderr += d;
    out.output += d;
  });
  return out;
}

/** Options of {@link startOpenSslServer}. */
export interface OpenSslServerOptions {
  /** Working directory (relative paths in `args`). */
  cwd?: string;
  /** How long to wait for the `ACCEPT` line; 10 s by default. */
  readyTimeoutMs?: number;
}

/** A running `openssl s_server`. */
export interface OpenSslServer {
  readonly port: number;
  /** Everything the server printed so far, stdout and stderr merged. */
  output(): string;
  close(): Promise<void>;
}

/** Resolves with the port of the `ACCEPT 127.0.0.1:PORT` line, or rejects on exit/timeout. */
function acceptedPort(child: ChildProcess, out: { output: string }, timeoutMs: number) {
  return new Promise<number>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      reject(new TlsflightError('CONNECT_FAILED', `openssl s_server ${why}: ${out.output}`));
    };
    const onData = () => {
      const match = /^ACCEPT 127\.0\.0\.1:(\d+)$/m.exec(out.output);
      if (!match) return;
      cleanup();
      resolve(Number(match[1]));
    };
    const onExit = (code: number | null) => fail(`exited (${code}) before ACCEPT`);
    const onError = (err: Error) => fail(`failed to start (${err.message})`);
    const timer = setTimeout(() => fail(`printed no ACCEPT in ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/**
 * Starts `openssl s_server -accept 127.0.0.1:0 ...args` and resolves once it listens.
 * stdin stays open: s_server quits at EOF on stdin when it is not in `-www` mode.
 */
export async function startOpenSslServer(
  args: string[],
  opts: OpenSslServerOptions = {},
): Promise<OpenSslServer> {
  const bad = args.find((a) => ['-accept', '-port', '-unix', '-connect'].includes(a));
  if (bad) throw new TlsflightError('BAD_OPTION', `startOpenSslServer: ${bad} is set here`);

  const child = spawn(OPENSSL, ['s_server', '-accept', '127.0.0.1:0', ...args], {
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  killWithTestProcess(child);
  const out = collect(child);
  try {
    const port = await acceptedPort(child, out, opts.readyTimeoutMs ?? 10_000);
    return { port, output: () => out.output, close: () => stopChild(child) };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** What an `openssl s_client` run printed. */
export interface OpenSslClientResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr merged in arrival order. */
  output: string;
  code: number | null;
}

/**
 * Runs `openssl s_client ...args` (which must hold `-connect 127.0.0.1:PORT`), writes `input`
 * and closes stdin. s_client hangs up at stdin EOF: pass `-ign_eof` to wait for the server.
 */
export async function runOpenSslClient(
  args: string[],
  input: string | Buffer = '',
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<OpenSslClientResult> {
  const target = args[args.indexOf('-connect') + 1] ?? '';
  // Without -connect, s_client dials localhost:4433: never aim at a socket we did not open.
  if (!args.includes('-connect') || !/^127\.0\.0\.1:\d+$/.test(target)) {
    throw new TlsflightError('BAD_OPTION', `runOpenSslClient: need -connect 127.0.0.1:PORT`);
  }
  const child = spawn(OPENSSL, ['s_client', ...args], { cwd: opts.cwd });
  killWithTestProcess(child);
  const out = collect(child);
  // s_client may exit before reading its input (a refused handshake): EPIPE is no news.
  child.stdin?.on('error', () => {});
  child.stdin?.end(input);

  const timeoutMs = opts.timeoutMs ?? 10_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    });
    if (signal === 'SIGKILL') {
      const message = `openssl s_client ${args.join(' ')}: no exit in ${timeoutMs} ms`;
      throw new TlsflightError('TIMEOUT', `${message}: ${out.output}`);
    }
    return { ...out, code };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs any `openssl` subcommand (req, x509, ocsp...) and resolves with its stdout. */
export function runOpenSsl(args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, { cwd: opts.cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const message = `openssl ${args.join(' ')} failed: ${stderr || err.message}`;
      reject(new TlsflightError('BAD_FILE', message, { cause: err }));
    });
  });
}

/** Paths of a PEM certificate and its private key. */
export interface CertFiles {
  certPath: string;
  keyPath: string;
}

/** Writes a self-signed P-256 certificate for localhost and 127.0.0.1 into `dir`. */
export async function makeSelfSignedCert(dir: string, name = 'server'): Promise<CertFiles> {
  const certPath = path.join(dir, `${name}.pem`);
  const keyPath = path.join(dir, `${name}.key`);
  // biome-ignore format: flags and their values side by side
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ];
  await runOpenSsl(args);
  return { certPath, keyPath };
}
