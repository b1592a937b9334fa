/**
 * TLS 1.3 0-RTT early data. Node can read max_early_data from a ticket but cannot send early
 * data, so `openssl s_client` does: one connection saves a session (-sess_out), a second one
 * resumes it (-sess_in) and sends a harmless idempotent request as early data against the SAME
 * address, then reports "Early data was accepted/rejected". What cannot be tested is reported
 * as "not tested", never as "not supported".
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finding } from '../report/findings.js';
import type { EarlyDataResult, Finding } from '../report/model.js';
import type { ProbedAddress } from './addresses.js';
import type { PoolContext } from './connect.js';
import type { PoolMember } from './members.js';

/** The request sent as early data: HEAD changes nothing on any sane server. */
const REQUEST_LINE = 'HEAD / HTTP/1.1';

/** Tests the first terminator whose tickets advertise early data. */
export async function earlyData(
  ctx: PoolContext,
  probed: ProbedAddress[],
  idempotent: boolean,
): Promise<{ result: EarlyDataResult; findings: Finding[] }> {
  const target = probed.find((p) => (p.row.maxEarlyData ?? 0) > 0);
  const result: EarlyDataResult = {
    address: target?.member.label ?? null,
    advertised: target !== undefined,
    maxEarlyData: target?.row.maxEarlyData ?? null,
    result: 'not-tested',
    reason: null,
    request: REQUEST_LINE,
    idempotentDeclared: idempotent,
  };
  if (!target) {
    result.reason = 'no ticket advertises early data (max_early_data)';
    return { result, findings: [] };
  }
  Object.assign(result, await tryEarlyData(ctx, target.member));
  return { result, findings: earlyFindings(result) };
}

type Verdict = Pick<EarlyDataResult, 'result' | 'reason'>;

async function tryEarlyData(ctx: PoolContext, member: PoolMember): Promise<Verdict> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-0rtt-'));
  try {
    const host = ctx.servername ?? ctx.options.target.host;
    const request = `${REQUEST_LINE}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
    const session = path.join(dir, 'session.pem');
    const early = path.join(dir, 'early.txt');
    await writeFile(early, request);
    const first = await sClient(ctx, member, ['-sess_out', session], request);
    if (first.missing)
      return { result: 'not-tested', reason: `${ctx.deps.openssl} is not on the PATH` };
    if (!/^\s*Max Early Data: [1-9]/m.test(first.output)) {
      return { result: 'not-tested', reason: 'openssl obtained no ticket allowing early data' };
    }
    const second = await sClient(ctx, member, ['-sess_in', session, '-early_data', early], '');
    const verdict = /Early data was (accepted|rejected)/.exec(second.output);
    if (verdict) return { result: verdict[1] as 'accepted' | 'rejected', reason: verdict[0] };
    const last = second.output.trim().split('\n').at(-1) ?? '';
    return {
      result: 'not-tested',
      reason: `openssl printed no early-data verdict (${last.slice(0, 80)})`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs s_client against the member (always with -connect: s_client's default is
 * localhost:4433). -ign_eof keeps it reading until the server closes after its response, so
 * the TLS 1.3 tickets that follow the handshake are not missed.
 */
function sClient(
  ctx: PoolContext,
  member: PoolMember,
  extra: string[],
  input: string,
): Promise<{ output: string; missing: boolean }> {
  const connect =
    member.family === 6 ? `[${member.ip}]:${member.port}` : `${member.ip}:${member.port}`;
  const sni = ctx.servername ? ['-servername', ctx.servername] : ['-noservername'];
  const args = ['s_client', '-connect', connect, ...sni, '-tls1_3', '-ign_eof', ...extra];
  return new Promise((resolve) => {
    const child = spawn(ctx.deps.openssl, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d: Buffer) => {
      output += d;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), ctx.options.timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ output, missing: err.code === 'ENOENT' });
    });
    child.once('close', () => {
      clearTimeout(timer);
      resolve({ output, missing: false });
    });
    // s_client may exit before reading its input (a refused handshake): EPIPE is no news.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

function earlyFindings(r: EarlyDataResult): Finding[] {
  const detail = { address: r.address, maxEarlyData: r.maxEarlyData, request: r.request };
  if (r.result === 'accepted') {
    const severity = r.idempotentDeclared ? 'info' : 'warn';
    const route = r.idempotentDeclared
      ? 'the route is declared idempotent (--idempotent)'
      : 'unless the route is idempotent (then say --idempotent)';
    return [
      finding(
        'pool.early-data-accepted',
        severity,
        `0-RTT early data was accepted by ${r.address} (${r.request} sent as early data).`,
        `Saves one round trip on resumption, but early data can be replayed by anyone who ` +
          `captured it: only idempotent requests belong there; ${route}.`,
        detail,
      ),
    ];
  }
  if (r.result === 'rejected') {
    return [
      finding(
        'pool.early-data-rejected',
        'info',
        `Tickets advertise early data but ${r.address} rejected it.`,
        'Clients that send 0-RTT pay the round trip anyway and resend the request after the ' +
          'handshake.',
        detail,
      ),
    ];
  }
  return [
    finding(
      'pool.early-data-not-tested',
      'info',
      `Tickets advertise early data; acceptance not tested: ${r.reason}.`,
      'Whether a replayable 0-RTT request reaches the application is unknown.',
      detail,
    ),
  ];
}
