/**
 * One captured TLS connection: TCP connect, handshake through the WireRecorder, the caller's
 * exchange, then a bounded wait for late NewSessionTickets. Every outcome is data; nothing
 * here throws for a fault of the server.
 */

import type { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { describeError } from '../errors.js';
import { parseKeylog } from './tls13-decrypt.js';
import { buildTranscript, type Transcript } from './transcript.js';
import { WireRecorder } from './wire.js';

/** What one connection should do. */
export interface ConnectionPlan {
  address: string;
  port: number;
  servername: string | null;
  secureContext: tls.SecureContext;
  alpn: string[];
  /** Session to offer (Node's session Buffer from a 'session' event). */
  session?: Buffer;
  requestOCSP: boolean;
  timeoutMs: number;
  now: () => number;
  /** Runs after the handshake (e.g. an HTTP request); its rejection is recorded, not thrown. */
  exchange?: (socket: tls.TLSSocket, deadline: number) => Promise<void>;
  /**
   * Least wait for a NewSessionTicket after the exchange when none came yet; the wait is at
   * least twice the handshake's duration, since the server sends tickets one flight later.
   */
  ticketWaitMs: number;
}

/** One certificate of the peer's chain as sent, linked to the next one. */
export interface PeerChain {
  raw: Buffer;
  issuerCertificate?: PeerChain;
}

/** Where a connection that never completed its handshake stopped. */
export type FailureStage = 'connect' | 'tls' | 'not-tls';

/** Everything seen on one connection. */
export interface ConnectionOutcome {
  startedAt: number;
  connectAt: number | null;
  appconnectAt: number | null;
  closedAt: number;
  failure: { stage: FailureStage; message: string; code: string | null } | null;
  /** Error after the handshake completed (e.g. TLS 1.3 certificate_required alert). */
  lateError: { message: string; code: string | null; at: number } | null;
  exchangeError: string | null;
  protocol: string | null;
  cipher: string | null;
  group: string | null;
  alpn: string | null;
  resumed: boolean;
  authorized: boolean;
  authorizationError: string | null;
  /** The peer's chain in the order sent (a fallback when the capture holds no Certificate). */
  peer: PeerChain | null;
  /** Session buffers from 'session' events, with arrival times. */
  sessions: Array<{ at: number; session: Buffer }>;
  ocspEvent: Buffer | null;
  transcript: Transcript;
  serverSpokeNonTls: boolean;
}

/** Opens one connection as planned and reports what happened. */
export async function runConnection(plan: ConnectionPlan): Promise<ConnectionOutcome> {
  const keylog: Buffer[] = [];
  const out = emptyOutcome(plan.now());
  const socket = await connectTcp(plan, out);
  if (!socket) return finish(out, null, keylog, plan);
  const recorder = new WireRecorder(socket, plan.now);
  // requestOCSP is a documented tls.connect option missing from @types/node 20.
  const options: tls.ConnectionOptions & { requestOCSP: boolean } = {
    socket: recorder,
    servername: plan.servername ?? undefined,
    secureContext: plan.secureContext,
    ALPNProtocols: plan.alpn.length ? plan.alpn : undefined,
    session: plan.session,
    requestOCSP: plan.requestOCSP,
    rejectUnauthorized: false,
  };
  const tlsSocket = tls.connect(options);
  // Errors are read by the phase that is running; this keeps a late one from crashing.
  tlsSocket.on('error', () => {});
  tlsSocket.on('keylog', (line) => keylog.push(line));
  tlsSocket.on('session', (session) => keepSession(out.sessions, { at: plan.now(), session }));
  tlsSocket.on('OCSPResponse', (resp) => {
    out.ocspEvent = resp && resp.length > 0 ? resp : null;
  });
  const shook = await handshake(tlsSocket, plan, out);
  if (shook) await afterHandshake(tlsSocket, plan, out);
  // close_notify first: OpenSSL's session cache drops a session whose connection ends uncleanly.
  tlsSocket.end();
  tlsSocket.destroy();
  return finish(out, recorder, keylog, plan);
}

/** Sessions kept per connection: the newest matter, and a server may loop NewSessionTickets. */
const MAX_SESSIONS = 8;

function keepSession(
  sessions: ConnectionOutcome['sessions'],
  entry: ConnectionOutcome['sessions'][0],
) {
  if (sessions.length >= MAX_SESSIONS) sessions.shift();
  sessions.push(entry);
}

function emptyOutcome(startedAt: number): ConnectionOutcome {
  return {
    startedAt,
    connectAt: null,
    appconnectAt: null,
    closedAt: startedAt,
    failure: null,
    lateError: null,
    exchangeError: null,
    protocol: null,
    cipher: null,
    group: null,
    alpn: null,
    resumed: false,
    authorized: false,
    authorizationError: null,
    peer: null,
    sessions: [],
    ocspEvent: null,
    transcript: buildTranscript([], new Map()),
    serverSpokeNonTls: false,
  };
}

function connectTcp(plan: ConnectionPlan, out: ConnectionOutcome): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: plan.address, port: plan.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      out.failure = {
        stage: 'connect',
        message: `no answer after ${plan.timeoutMs} ms`,
        code: 'ETIMEDOUT',
      };
      socket.destroy();
      resolve(null);
    }, plan.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      out.connectAt = plan.now();
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      out.failure = { stage: 'connect', message: describeError(err), code: err.code ?? null };
      resolve(null);
    });
  });
}

function handshake(
  s: tls.TLSSocket,
  plan: ConnectionPlan,
  out: ConnectionOutcome,
): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      s.off('error', onError);
      s.off('close', onClose);
      resolve(ok);
    };
    const fail = (message: string, code: string | null) => {
      out.failure = { stage: 'tls', message, code };
      settle(false);
    };
    const onError = (err: NodeJS.ErrnoException) => fail(describeError(err), err.code ?? null);
    const onClose = () => fail('connection closed during the handshake', 'ECONNRESET');
    const timer = setTimeout(
      () => fail(`handshake not finished after ${plan.timeoutMs} ms`, 'ETIMEDOUT'),
      plan.timeoutMs,
    );
    s.once('secureConnect', () => {
      out.appconnectAt = plan.now();
      readSecureState(s, out);
      settle(true);
    });
    s.on('error', onError);
    s.on('close', onClose);
  });
}

/** TLS-FACTS: capture at secureConnect; after 'close' these accessors are gone. */
function readSecureState(s: tls.TLSSocket, out: ConnectionOutcome): void {
  out.protocol = s.getProtocol();
  out.cipher = s.getCipher()?.standardName ?? null;
  out.group = (s.getEphemeralKeyInfo() as { name?: string } | null)?.name ?? null;
  out.alpn = s.alpnProtocol || null;
  out.resumed = s.isSessionReused();
  out.authorized = s.authorized;
  out.authorizationError = s.authorizationError ? String(s.authorizationError) : null;
  out.peer = peerChain(s.getPeerX509Certificate());
}

/**
 * TLS-FACTS: getPeerX509Certificate's issuerCertificate links follow the order as sent, where
 * getPeerCertificate(true) gives the verified path (root added). Only the DER is kept: the
 * detailed objects cost a scan ~30 KB of heap per probe in flight and 8% of its CPU.
 */
function peerChain(cert: X509Certificate | undefined): PeerChain | null {
  const chain: PeerChain[] = [];
  for (let c = cert; c && chain.length < 16 && !chain.some((p) => p.raw.equals(c!.raw)); ) {
    chain.push({ raw: c.raw });
    c = c.issuerCertificate;
  }
  chain.forEach((link, i) => {
    if (chain[i + 1]) link.issuerCertificate = chain[i + 1];
  });
  return chain[0] ?? null;
}

async function afterHandshake(s: tls.TLSSocket, plan: ConnectionPlan, out: ConnectionOutcome) {
  s.on('error', (err: NodeJS.ErrnoException) => {
    out.lateError ??= { message: describeError(err), code: err.code ?? null, at: plan.now() };
  });
  const deadline = plan.now() + plan.timeoutMs;
  if (plan.exchange) {
    try {
      await plan.exchange(s, deadline);
    } catch (err) {
      out.exchangeError = describeError(err);
    }
  }
  const isTls13 = out.protocol === 'TLSv1.3';
  if (isTls13 && out.sessions.length === 0 && !s.destroyed) {
    const handshakeMs = (out.appconnectAt ?? 0) - (out.connectAt ?? 0);
    const wait = Math.max(plan.ticketWaitMs, 2 * handshakeMs);
    await waitFor(s, 'session', Math.min(wait, Math.max(0, deadline - plan.now())));
  }
}

function waitFor(s: tls.TLSSocket, event: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      s.off(event, done);
      s.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    s.once(event, done);
    s.once('close', done);
  });
}

function finish(
  out: ConnectionOutcome,
  recorder: WireRecorder | null,
  keylog: Buffer[],
  plan: ConnectionPlan,
): ConnectionOutcome {
  out.closedAt = plan.now();
  if (!recorder) return out;
  out.transcript = buildTranscript(recorder.records, parseKeylog(keylog));
  if (recorder.droppedRecords) {
    out.transcript.notes.push(`${recorder.droppedRecords} records past the capture bound not kept`);
  }
  out.serverSpokeNonTls = recorder.serverSpokeNonTls;
  if (out.failure?.stage === 'tls' && out.serverSpokeNonTls) {
    const first = recorder.firstServerBytes?.toString('latin1').split(/\r?\n/)[0] ?? '';
    out.failure = {
      stage: 'not-tls',
      message: `server answered with non-TLS bytes${first ? ` ("${first.slice(0, 40)}")` : ''}`,
      code: 'NOT_TLS',
    };
  }
  for (const alert of out.transcript.alerts) {
    alert.afterHandshake = out.appconnectAt !== null && alert.at > out.appconnectAt;
  }
  return out;
}
