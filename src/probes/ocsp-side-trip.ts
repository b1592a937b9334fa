/**
 * The OCSP side trip: what a revocation-checking browser does when the server staples nothing.
 * DNS, a new TCP connection and one HTTP POST to the responder the leaf names (RFC 6960
 * appendix A), each phase timed, the answer verified like a staple. Bounded by a time limit:
 * an unreachable or silent responder is a finding, never a hang.
 */
import http from 'node:http';
import net from 'node:net';
import { describeError } from '../errors.js';
import { finding } from '../report/findings.js';
import type { Finding, OcspSideTrip } from '../report/model.js';
import { buildOcspRequest, verifyOcspResponse } from './ocsp-verify.js';
import type { Resolver } from './target.js';

/** What the side trip needs. */
export interface SideTripInput {
  /** Responder URL from the leaf's AIA extension. */
  url: string;
  leafDer: Buffer;
  /** The leaf's issuer; without it no CertID can be built. */
  issuerDer: Buffer | null;
  /** Whole side trip, DNS included. */
  limitMs: number;
  resolver: Resolver;
  clock: () => number;
  now: () => Date;
}

/** Timestamps (clock ms) as the exchange goes. */
interface Marks {
  start: number;
  resolved: number | null;
  connected: number | null;
  done: number | null;
  status: number | null;
  body: Buffer | null;
  error: string | null;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const round = (ms: number | null) => (ms === null ? null : Math.round(ms * 100) / 100);

/** Makes the side trip and judges the answer. */
export async function probeOcspSideTrip(
  input: SideTripInput,
): Promise<{ ocspSideTrip: OcspSideTrip; findings: Finding[] }> {
  const trip = emptyTrip(input.url);
  const target = parseHttpUrl(input.url);
  if (!target || !input.issuerDer) {
    trip.error = target
      ? 'the leaf issuer is unknown: no CertID to ask about'
      : 'not an http:// URL';
    return { ocspSideTrip: trip, findings: [skipped(input.url, trip.error)] };
  }
  const body = buildOcspRequest(input.leafDer, input.issuerDer);
  const marks = await exchange(target, body, input);
  fillTimes(trip, marks);
  if (marks.error) return { ocspSideTrip: trip, findings: [unreachable(trip, marks)] };
  if (marks.status !== 200 || !marks.body) {
    trip.error = `HTTP ${marks.status} from the responder`;
    return { ocspSideTrip: trip, findings: [invalid(trip)] };
  }
  const verdict = verifyOcspResponse(marks.body, input.leafDer, input.issuerDer, input.now());
  trip.certStatus = verdict.certStatus;
  trip.signatureValid = verdict.signatureValid;
  trip.error = verdict.error ?? problemOf(verdict);
  return { ocspSideTrip: trip, findings: [judge(trip)] };
}

function emptyTrip(url: string): OcspSideTrip {
  return {
    url,
    ms: null,
    phases: { dns: null, connect: null, response: null },
    certStatus: null,
    signatureValid: null,
    error: null,
  };
}

function parseHttpUrl(text: string): URL | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

/** DNS, then POST over a fresh connection (agent: false: no pooled socket hides the TCP cost). */
async function exchange(url: URL, body: Buffer, input: SideTripInput): Promise<Marks> {
  const m: Marks = {
    start: input.clock(),
    resolved: null,
    connected: null,
    done: null,
    status: null,
    body: null,
    error: null,
  };
  const deadline = m.start + input.limitMs;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const address = net.isIP(host)
    ? host
    : await withLimit(resolveFirst(host, input.resolver), deadline, input.clock);
  if (typeof address !== 'string') {
    const why = address?.error ?? `no DNS answer for ${host} after ${input.limitMs} ms`;
    m.error = `responder unreachable: ${why}`;
    return m;
  }
  m.resolved = input.clock();
  await post(url, address, body, m, deadline, input.clock);
  return m;
}

async function resolveFirst(host: string, resolver: Resolver): Promise<string | { error: string }> {
  try {
    return (await resolver(host))[0] ?? { error: `${host} has no address` };
  } catch (err) {
    return { error: `cannot resolve ${host}: ${describeError(err)}` };
  }
}

function withLimit<T>(work: Promise<T>, deadline: number, clock: () => number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, deadline - clock()));
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

function post(
  url: URL,
  address: string,
  body: Buffer,
  m: Marks,
  deadline: number,
  clock: () => number,
) {
  return new Promise<void>((resolve) => {
    const headers = {
      host: url.host,
      'content-type': 'application/ocsp-request',
      'content-length': body.length,
    };
    const req = http.request(
      {
        host: address,
        port: url.port || 80,
        path: url.pathname + url.search,
        method: 'POST',
        headers,
        agent: false,
      },
      (res) => readResponse(res, m, clock, finish),
    );
    const finish = (error?: string) => {
      clearTimeout(timer);
      m.error ??= error ?? null;
      m.done ??= clock();
      req.destroy();
      resolve();
    };
    const timer = setTimeout(
      () => finish(limitMessage(m, clock() - m.start)),
      Math.max(0, deadline - clock()),
    );
    req.on('socket', (s) => s.once('connect', () => (m.connected = clock())));
    req.on('error', (err) => finish(`responder unreachable: ${describeError(err)}`));
    req.end(body);
  });
}

function readResponse(
  res: http.IncomingMessage,
  m: Marks,
  clock: () => number,
  finish: (e?: string) => void,
) {
  const chunks: Buffer[] = [];
  let size = 0;
  m.status = res.statusCode ?? null;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES)
      return finish(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  });
  res.on('end', () => {
    m.body = Buffer.concat(chunks);
    m.done = clock();
    finish();
  });
  res.on('error', (err) => finish(`response cut off: ${describeError(err)}`));
}

function limitMessage(m: Marks, elapsed: number): string {
  const after = `after ${Math.round(elapsed)} ms`;
  return m.connected === null ? `responder unreachable ${after}` : `responder silent ${after}`;
}

function fillTimes(trip: OcspSideTrip, m: Marks): void {
  const resolved = m.resolved ?? m.done ?? m.start;
  trip.ms = round((m.done ?? resolved) - m.start);
  trip.phases.dns = round(resolved - m.start);
  trip.phases.connect = m.connected === null ? null : round(m.connected - resolved);
  trip.phases.response =
    m.connected === null || m.error ? null : round((m.done ?? m.connected) - m.connected);
  trip.error = m.error;
}

function problemOf(v: ReturnType<typeof verifyOcspResponse>): string | null {
  if (v.certIdMatches === false) return 'the answer is about another certificate (CertID mismatch)';
  if (v.signatureValid === false) return 'the signature does not verify';
  if (v.signer === 'delegated' && v.delegationValid === false)
    return 'the delegated signer is not valid';
  if (v.signer === 'unknown') return 'its signer is neither the issuer nor a delegate';
  if (v.secondsLeft !== null && v.secondsLeft < 0)
    return `the answer expired (nextUpdate ${v.nextUpdate})`;
  if (v.ageSeconds !== null && v.ageSeconds < 0)
    return `the answer is not yet valid (thisUpdate ${v.thisUpdate})`;
  return null;
}

function costDetail(t: OcspSideTrip): Finding['detail'] {
  return {
    url: t.url,
    ms: t.ms,
    dnsMs: t.phases.dns,
    connectMs: t.phases.connect,
    responseMs: t.phases.response,
  };
}

function judge(t: OcspSideTrip): Finding {
  if (t.error) return invalid(t);
  const cost =
    `${t.ms} ms (DNS ${t.phases.dns}, connect ${t.phases.connect}, response ` +
    `${t.phases.response})`;
  if (t.certStatus === 'revoked') {
    return finding(
      'side-trip.revoked',
      'fail',
      `The OCSP responder says the leaf is revoked (side trip ${cost}).`,
      'Revocation-checking clients refuse the connection.',
      costDetail(t),
    );
  }
  if (t.certStatus === 'unknown') {
    return finding(
      'side-trip.unknown',
      'warn',
      `The OCSP responder answered certStatus unknown (side trip ${cost}).`,
      'Clients paid the side trip and learned nothing: they soft-fail or refuse.',
      costDetail(t),
    );
  }
  return finding(
    'side-trip.cost',
    'info',
    `The OCSP side trip took ${cost} and answered good.`,
    'That is what a revocation-checking client pays before its first request; a staple would ' +
      'save it.',
    costDetail(t),
  );
}

function invalid(t: OcspSideTrip): Finding {
  return finding(
    'side-trip.invalid',
    'warn',
    `The OCSP responder's answer is unusable: ${t.error}.`,
    'Clients paid the side trip for nothing: they soft-fail (no revocation check) or refuse.',
    costDetail(t),
  );
}

function unreachable(t: OcspSideTrip, m: Marks): Finding {
  const silent = m.connected !== null;
  return finding(
    silent ? 'side-trip.silent' : 'side-trip.unreachable',
    'warn',
    `OCSP ${m.error} (${t.url}).`,
    'A revocation-checking client without a staple stalls this long before its first request, ' +
      'then soft-fails.',
    costDetail(t),
  );
}

function skipped(url: string, why: string): Finding {
  return finding(
    'side-trip.skipped',
    'info',
    `No OCSP side trip to ${url}: ${why}.`,
    'The cost of a missing staple could not be measured here.',
  );
}
