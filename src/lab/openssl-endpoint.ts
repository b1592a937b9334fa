/**
 * A lab terminator run by `openssl s_server -www`, for what Node cannot do: a TLS 1.3 server
 * that issues no tickets at all (`-num_tickets 0`). Node's SSL_OP_NO_TICKET still sends
 * stateful TLS 1.3 tickets that it can never resume, which is another fault.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError, TlsflightError } from '../errors.js';
import type { Terminator, TerminatorMaterial } from './node-endpoint.js';
import type { EndpointSpec } from './spec.js';

const READY_TIMEOUT_MS = 10_000;
const running = new Set<ChildProcess>();
let hooked = false;

/** s_server -www outlives a parent that dies without closing the lab: kill it on exit. */
function track(child: ChildProcess): void {
  if (!hooked) process.once('exit', killRunning);
  hooked = true;
  running.add(child);
  child.once('exit', () => running.delete(child));
}

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Whether the spec needs openssl: TLS 1.3 with tickets off. */
export function needsOpenSsl(spec: EndpointSpec): boolean {
  return !spec.tickets && spec.maxVersion === '1.3';
}

/** Toggles s_server cannot serve; the config is refused with their names. */
function unsupported(spec: EndpointSpec): string[] {
  const out: string[] = [];
  if (spec.poolSize > 1) out.push('poolSize');
  if (spec.rotateTicketKeys) out.push('rotateTicketKeys');
  if (spec.alpn === 'h2') out.push('alpn h2 (-www speaks HTTP/1.0)');
  return out;
}

/** Writes the files s_server reads into `dir` and builds its arguments. */
async function argsFor(spec: EndpointSpec, m: TerminatorMaterial, dir: string): Promise<string[]> {
  const file = (name: string) => path.join(dir, `${spec.name}-${name}`);
  const [leaf, ...chain] =
    m.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
  await writeFile(file('leaf.pem'), leaf ?? '');
  await writeFile(file('key.pem'), m.keyPem, { mode: 0o600 });
  // biome-ignore format: flags and their values side by side
  const args = [
    's_server', '-accept', '127.0.0.1:0', '-www', '-num_tickets', '0',
    '-cert', file('leaf.pem'), '-key', file('key.pem'),
  ];
  if (chain.length) {
    await writeFile(file('chain.pem'), chain.join(''));
    args.push('-cert_chain', file('chain.pem'));
  }
  if (m.staple) {
    await writeFile(file('staple.der'), m.staple);
    args.push('-status_file', file('staple.der'));
  }
  if (spec.alpn === 'http/1.1') args.push('-alpn', 'http/1.1');
  if (spec.minVersion === '1.3') args.push('-no_tls1_2');
  if (spec.groups) args.push('-groups', spec.groups);
  if (!spec.sessionIdCache) args.push('-no_cache');
  if (spec.clientAuth !== 'none' && m.clientCasPem) {
    await writeFile(file('client-cas.pem'), m.clientCasPem);
    args.push(
      spec.clientAuth === 'required' ? '-Verify' : '-verify',
      '1',
      '-CAfile',
      file('client-cas.pem'),
    );
  }
  return args;
}

/** Starts `openssl s_server` for `spec` on 127.0.0.1:0; its files go to `dir`. */
export async function startOpenSslTerminator(
  spec: EndpointSpec,
  m: TerminatorMaterial,
  dir: string,
): Promise<Terminator> {
  const missing = unsupported(spec);
  if (missing.length) {
    throw new TlsflightError(
      'BAD_OPTION',
      `lab endpoint ${spec.name}: tickets off on TLS 1.3 runs openssl s_server, which cannot do ` +
        `${missing.join(', ')}`,
    );
  }
  const child = spawn('openssl', await argsFor(spec, m, dir), { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  try {
    const port = await acceptedPort(child);
    return { port, close: () => stop(child) };
  } catch (err) {
    await stop(child);
    throw err;
  }
}

/** s_server prints `ACCEPT 127.0.0.1:PORT` once it listens; everything after is drained. */
function acceptedPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(
        new TlsflightError(
          'CONNECT_FAILED',
          `openssl s_server ${why}: ${output.trim().slice(0, 300)}`,
        ),
      );
    };
    const timer = setTimeout(
      () => fail(`printed no ACCEPT in ${READY_TIMEOUT_MS} ms`),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /^ACCEPT 127\.0\.0\.1:(\d+)$/m.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(Number(match[1]));
    };
    const onExit = (code: number | null) => fail(`exited (${code}) before listening`);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', onExit);
    child.once('error', (err) =>
      fail(`cannot start (${describeError(err)}); is openssl installed?`),
    );
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
