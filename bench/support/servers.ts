/**
 * Servers for the benches, each its own process on 127.0.0.1:0 so its CPU and memory stay out
 * of the figures: `openssl s_server` (optionally pinned to a core) and a Node HTTPS server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killWithTestProcess } from '../../test/support/openssl-server.js';
import { pinned } from './common.js';

/** A server process and how to stop it. */
export interface ServerProcess {
  port: number;
  /** Stops the process; resolves with what it printed after its port line. */
  close(): Promise<string>;
}

/** Resolves with the first match of `pattern` in the child's stdout, or rejects (10 s bound). */
function firstMatch(
  child: ChildProcess,
  pattern: RegExp,
): Promise<{ match: RegExpExecArray; out: () => string }> {
  let text = '';
  child.stdout?.on('data', (d: Buffer) => {
    text += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in 10 s: ${text}`)), 10_000);
    const check = () => {
      const match = pattern.exec(text);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolve({ match, out: () => text });
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before listening: ${text}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** `openssl s_server -accept 127.0.0.1:0 ...args`, pinned to `cpu` when given. */
export async function openSslServer(args: string[], cpu: number | null): Promise<ServerProcess> {
  const base: [string, string[]] = ['openssl', ['s_server', '-accept', '127.0.0.1:0', ...args]];
  const [cmd, argv] = cpu === null ? base : pinned(cpu, ...base);
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  killWithTestProcess(child);
  const { match, out } = await firstMatch(child, /^ACCEPT 127\.0\.0\.1:(\d+)$/m);
  return { port: Number(match[1]), close: () => stop(child).then(out) };
}

const NODE_SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'https-server.js');

/** The Node HTTPS server of https-server.ts in its own process; `config` is passed as JSON. */
export async function nodeHttpsServer(config: Record<string, unknown>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [NODE_SERVER, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  killWithTestProcess(child);
  const { match, out } = await firstMatch(child, /^PORT (\d+)$/m);
  return { port: Number(match[1]), close: () => stop(child).then(out) };
}
