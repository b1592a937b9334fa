/**
 * A private nginx for tests: its own prefix in a temp dir, and a listening socket bound by Node
 * on 127.0.0.1:0 and handed over through the `NGINX` variable (nginx's binary-upgrade
 * mechanism), so no fixed port is ever used and no port is freed and re-bound.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TlsflightError } from '../../src/errors.js';
import { killWithTestProcess } from './openssl-server.js';

const NGINX_BIN = '/usr/sbin/nginx';
/** The descriptor number the listening socket gets in the child (stdio slot 3). */
const INHERITED_FD = 3;

/** Options of {@link startNginx}; each becomes an nginx directive of the one server block. */
export interface NginxOptions {
  /** PEM paths: leaf certificate, its key, and optional intermediates sent after the leaf. */
  cert: string;
  key: string;
  chain?: string;
  /** `ssl_protocols`; 'TLSv1.2 TLSv1.3' by default. */
  protocols?: string;
  /** `ssl_ecdh_curve`, e.g. 'P-256' or 'X25519:prime256v1'. */
  ecdhCurve?: string;
  /** `ssl_session_tickets`; nginx's default (on) when unset. */
  sessionTickets?: boolean;
  /** `ssl_session_ticket_key`: an 80- or 48-byte file. */
  ticketKeyFile?: string;
  /** `ssl_session_cache off` or a 1 MB shared cache; nginx's default (none) when unset. */
  sessionCache?: 'off' | 'shared';
  /** A DER OCSP response to staple (`ssl_stapling_file`, `ssl_stapling on`). */
  staplingFile?: string;
  /** `ssl_verify_client`; 'on' and 'optional' need `clientCa`. */
  verifyClient?: 'off' | 'on' | 'optional';
  /** `ssl_client_certificate`: CAs that may sign client certificates (and are advertised). */
  clientCa?: string;
  /** `ssl_early_data on` (TLS 1.3 0-RTT). */
  earlyData?: boolean;
  /** Adds `http2` to the listen directive (nginx 1.22 has no `http2 on`). */
  http2?: boolean;
  /** Value of an `Alt-Svc` header added to every response. */
  altSvc?: string;
  /** Raw directives appended inside the server block, after the default `location /`. */
  extraHttp?: string;
}

/** A running private nginx. */
export interface NginxServer {
  readonly port: number;
  /** The temp dir holding nginx.conf, logs, pid and temp paths. */
  readonly prefix: string;
  /** Pid of the master process (workers share its process group). */
  readonly pid: number;
  /** Rewrites the config with `newOpts` merged in, sends SIGHUP, waits for the new worker. */
  reload(newOpts?: Partial<NginxOptions>): Promise<void>;
  /** Startup stderr and the error log (level notice). */
  errorLog(): string;
  /** Fast shutdown (SIGTERM), waits for exit, removes the prefix. */
  close(): Promise<void>;
}

/** Single-quotes a value for nginx.conf. */
function q(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}

/** The ssl_* directives for `opts`. */
function sslDirectives(opts: NginxOptions, certFile: string): string[] {
  const lines = [
    `ssl_certificate ${q(certFile)};`,
    `ssl_certificate_key ${q(opts.key)};`,
    `ssl_protocols ${opts.protocols ?? 'TLSv1.2 TLSv1.3'};`,
  ];
  if (opts.ecdhCurve) lines.push(`ssl_ecdh_curve ${opts.ecdhCurve};`);
  if (opts.sessionTickets !== undefined) {
    lines.push(`ssl_session_tickets ${opts.sessionTickets ? 'on' : 'off'};`);
  }
  if (opts.ticketKeyFile) lines.push(`ssl_session_ticket_key ${q(opts.ticketKeyFile)};`);
  if (opts.sessionCache === 'off') lines.push('ssl_session_cache off;');
  if (opts.sessionCache === 'shared') lines.push('ssl_session_cache shared:SSL:1m;');
  if (opts.staplingFile)
    lines.push('ssl_stapling on;', `ssl_stapling_file ${q(opts.staplingFile)};`);
  if (opts.verifyClient) lines.push(`ssl_verify_client ${opts.verifyClient};`);
  if (opts.clientCa) lines.push(`ssl_client_certificate ${q(opts.clientCa)};`);
  if (opts.earlyData) lines.push('ssl_early_data on;');
  return lines;
}

/** The lines of the one server block. */
function serverBlock(prefix: string, port: number, opts: NginxOptions): string[] {
  const certFile = opts.chain ? path.join(prefix, 'fullchain.pem') : opts.cert;
  return [
    `listen 127.0.0.1:${port} ssl${opts.http2 ? ' http2' : ''};`,
    'server_name localhost;',
    ...sslDirectives(opts, certFile),
    opts.altSvc ? `add_header Alt-Svc ${q(opts.altSvc)} always;` : '',
    // The verdict of ssl_verify_client, for mutual-TLS tests.
    opts.verifyClient ? 'add_header X-Client-Verify $ssl_client_verify always;' : '',
    "location / { return 200 'ok\\n'; }",
    opts.extraHttp ?? '',
  ].filter(Boolean);
}

/** The whole nginx.conf: one TLS server on the inherited 127.0.0.1 socket. */
export function renderNginxConfig(prefix: string, port: number, opts: NginxOptions): string {
  const file = (name: string) => q(path.join(prefix, name));
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  // Workers run as nobody when the master is root: they could not read a 0700 temp dir.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
pid ${file('nginx.pid')};
lock_file ${file('nginx.lock')};
error_log ${file('error.log')} notice;
events { worker_connections 256; }
http {
  access_log ${file('access.log')};
  ${temps.map((t) => `${t}_temp_path ${file(`${t}_temp`)};`).join('\n  ')}
  default_type text/plain;
  server {
    ${serverBlock(prefix, port, opts).join('\n    ')}
  }
}
`;
}

/** Checks what nginx would only reject with a vague [emerg], then writes the config files. */
async function writeConfig(prefix: string, port: number, opts: NginxOptions): Promise<void> {
  if (opts.ticketKeyFile) {
    const size = statSync(opts.ticketKeyFile).size;
    if (size !== 80 && size !== 48) {
      const message = `nginx: ticketKeyFile ${opts.ticketKeyFile} has ${size} bytes, not 80 or 48`;
      throw new TlsflightError('BAD_OPTION', message);
    }
  }
  if ((opts.verifyClient === 'on' || opts.verifyClient === 'optional') && !opts.clientCa) {
    throw new TlsflightError(
      'BAD_OPTION',
      `nginx: verifyClient ${opts.verifyClient} needs clientCa`,
    );
  }
  if (opts.chain) {
    const [leaf, chain] = await Promise.all([readFile(opts.cert, 'utf8'), readFile(opts.chain)]);
    await writeFile(path.join(prefix, 'fullchain.pem'), `${leaf.trimEnd()}\n${chain}`);
  }
  await writeFile(path.join(prefix, 'nginx.conf'), renderNginxConfig(prefix, port, opts));
}

/** Binds 127.0.0.1:0 in Node; the socket is only handed over, never accepted on. */
async function bindEphemeral(): Promise<{ server: net.Server; port: number; fd: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Node has no public accessor for a listening socket's descriptor; libuv keeps it here.
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: (server.address() as net.AddressInfo).port, fd };
}

/** Reads the error log from byte `from` on ('' before nginx opened it). */
function readLog(prefix: string, from = 0): string {
  try {
    return readFileSync(path.join(prefix, 'error.log')).subarray(from).toString();
  } catch {
    return '';
  }
}

/** Polls the error log until `done`, an [emerg] line, the master's exit, or a timeout. */
async function waitForLog(
  prefix: string,
  from: number,
  child: ChildProcess,
  done: (text: string) => boolean,
): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const text = readLog(prefix, from);
    const emerg = /\[emerg\].*$/m.exec(text);
    if (emerg) throw new TlsflightError('BAD_OPTION', `nginx: ${emerg[0]}`);
    if (done(text)) return;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      throw new TlsflightError('CONNECT_FAILED', `nginx exited (${child.exitCode}): ${text}`);
    }
    await sleep(20);
  }
  throw new TlsflightError('TIMEOUT', `nginx: no sign of a new worker: ${readLog(prefix, from)}`);
}

/** Fast shutdown of master and workers; SIGKILL to the whole group if it lingers. */
async function stopNginx(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Runs nginx on the descriptor `fd`; detached, so master and workers form one group. */
function spawnNginx(prefix: string, fd: number): ChildProcess {
  const args = ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;'];
  const child = spawn(NGINX_BIN, args, {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    env: { ...process.env, NGINX: `${INHERITED_FD};` },
    detached: true,
  });
  // A failed spawn leaves pid undefined, which waitForLog reports with the error log.
  child.on('error', () => {});
  killWithTestProcess(child, true);
  return child;
}

/** A private nginx master and what it needs to be reloaded and stopped. */
class PrivateNginx implements NginxServer {
  private stderr = '';

  constructor(
    readonly prefix: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private current: NginxOptions,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  errorLog(): string {
    return this.stderr + readLog(this.prefix);
  }

  async reload(newOpts: Partial<NginxOptions> = {}): Promise<void> {
    const next = { ...this.current, ...newOpts };
    await writeConfig(this.prefix, this.port, next);
    const from = Buffer.byteLength(readLog(this.prefix));
    this.child.kill('SIGHUP');
    try {
      // The old worker stops accepting when it logs this; the new one then gets every client.
      await waitForLog(
        this.prefix,
        from,
        this.child,
        (t) => NEW_WORKER.test(t) && OLD_GONE.test(t),
      );
      this.current = next;
    } catch (err) {
      // nginx keeps the old config on a bad reload: keep the files in step with it.
      await writeConfig(this.prefix, this.port, this.current);
      throw err;
    }
  }

  async close(): Promise<void> {
    await stopNginx(this.child);
    await rm(this.prefix, { recursive: true, force: true });
  }
}

const NEW_WORKER = /start worker process \d+/;
const OLD_GONE = /gracefully shutting down/;

/** Starts nginx on a fresh 127.0.0.1 port and resolves once its worker runs. */
export async function startNginx(opts: NginxOptions): Promise<NginxServer> {
  const prefix = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-nginx-'));
  const { server, port, fd } = await bindEphemeral();
  try {
    await writeConfig(prefix, port, opts);
  } catch (err) {
    server.close();
    await rm(prefix, { recursive: true, force: true });
    throw err;
  }
  const child = spawnNginx(prefix, fd);
  // The child holds its own copy of the descriptor from here on.
  server.close();

  const nginx = new PrivateNginx(prefix, port, child, opts);
  try {
    await waitForLog(prefix, 0, child, (t) => NEW_WORKER.test(t));
  } catch (err) {
    const log = nginx.errorLog();
    await nginx.close();
    throw new TlsflightError('CONNECT_FAILED', `nginx did not start: ${log}`, { cause: err });
  }
  return nginx;
}
