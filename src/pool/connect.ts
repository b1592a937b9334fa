/**
 * What every pool probe shares: the probe's options and contexts, the world it touches
 * (clock, waits, the openssl binary), and one captured connection to one terminator with the
 * same SNI as the main probe.
 */
import { constants } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import type { ProbeOptions } from '../probe.js';
import type { Attempt } from '../probes/client-auth.js';
import { type ConnectionOutcome, runConnection } from '../probes/connection.js';
import { emptyHttpObservation, httpExchange } from '../probes/http.js';
import type { ProbeSetup } from '../probes/setup.js';
import type { PoolMember } from './members.js';

/** Things the pool probes take from the world, replaceable in tests. */
export interface PoolDeps {
  clock: () => number;
  now: () => Date;
  /** Holds a ticket for --ticket-age (a test reloads a server here). */
  holdTicket: (ms: number) => Promise<void>;
  /** The pause between stapling samples. */
  pause: (ms: number) => Promise<void>;
  /** The openssl binary used for 0-RTT (Node cannot send early data). */
  openssl: string;
}

/** Default dependencies: performance.now, the wall clock, real sleeps, `openssl` on the PATH. */
export const defaultPoolDeps: PoolDeps = {
  clock: () => performance.now(),
  now: () => new Date(),
  holdTicket: (ms) => sleep(ms),
  pause: (ms) => sleep(ms),
  openssl: 'openssl',
};

/** The shared state of one pool run. */
export interface PoolContext {
  options: ProbeOptions;
  setup: ProbeSetup;
  deps: PoolDeps;
  /** SNI of the main probe, sent to every terminator. */
  servername: string | null;
  /** ms since the pool run started (the clock of every ConnectionOutcome here). */
  now: () => number;
  /** TLS 1.2 only, tickets off: the session-ID cache alone; null when 1.2 is not tried. */
  tls12NoTicket: tls.SecureContext | null;
}

/** Builds the context; `tls12` is false when the user pinned TLS 1.3. */
export function poolContext(
  options: ProbeOptions,
  setup: ProbeSetup,
  deps: PoolDeps,
  servername: string | null,
  tls12: boolean,
): PoolContext {
  const t0 = deps.clock();
  // Resumption needs no trust anchors (the verdict is read, never enforced); the credential
  // keeps a server that requires a client certificate from failing the 1.2 handshake.
  const tls12NoTicket = tls12
    ? tls.createSecureContext({
        ...setup.credentials[0]?.credential.options,
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.2',
        secureOptions: constants.SSL_OP_NO_TICKET,
      })
    : null;
  return { options, setup, deps, servername, now: () => deps.clock() - t0, tls12NoTicket };
}

/** How one connection should go. */
export interface PoolConnectPlan {
  session?: Buffer;
  /** Default: the main probe's context (its first client credential, if any). */
  context?: tls.SecureContext;
  /** Make the probe's HTTP request after the handshake. */
  http?: boolean;
  /** Least wait for TLS 1.3 tickets when none came yet; 0 when they do not matter. */
  ticketWaitMs?: number;
  requestOcsp?: boolean;
}

/** The context the main probe used for its first connection. */
export function mainContext(ctx: PoolContext): tls.SecureContext {
  return ctx.setup.credentials[0]?.context ?? ctx.setup.base;
}

/** One captured connection to `member`; faults of the server are data in the outcome. */
export async function connectMember(
  ctx: PoolContext,
  member: PoolMember,
  plan: PoolConnectPlan = {},
): Promise<Attempt> {
  const { options } = ctx;
  const http = emptyHttpObservation();
  const authority = `${ctx.servername ?? options.target.host}:${options.target.port}`;
  const exchange = plan.http
    ? httpExchange(
        {
          authority,
          path: options.path,
          method: options.method,
          maxBodyBytes: 1 << 20,
          now: ctx.now,
        },
        http,
      )
    : undefined;
  const outcome = await runConnection({
    address: member.ip,
    port: member.port,
    servername: ctx.servername,
    secureContext: plan.context ?? mainContext(ctx),
    alpn: options.alpn,
    session: plan.session,
    requestOCSP: plan.requestOcsp ?? options.requestOcsp,
    timeoutMs: options.timeoutMs,
    now: ctx.now,
    exchange,
    ticketWaitMs: plan.ticketWaitMs ?? 200,
  });
  http.info.error ??= outcome.exchangeError;
  return { outcome, http };
}

/**
 * Round trips the client waited for before its handshake completed: the server flights that
 * began before appconnect (TLS 1.3 full 1, TLS 1.2 full 2, a HelloRetryRequest adds 1).
 */
export function roundTripsOf(o: ConnectionOutcome): number | null {
  if (o.appconnectAt === null || o.transcript.flights.length === 0) return null;
  const before = o.transcript.flights.filter(
    (f) => f.from === 'server' && f.start <= o.appconnectAt!,
  );
  return before.length;
}

/** Why a connection gave no handshake, in one line; null when it completed. */
export function failureOf(o: ConnectionOutcome, member: PoolMember): string | null {
  if (!o.failure) return null;
  const where = `${member.ip}:${member.port}`;
  return (
    `${o.failure.stage === 'connect' ? 'cannot connect to' : 'handshake failed with'} ` +
    `${where}: ${o.failure.message}`
  );
}

/** The median of the non-null values, or null. */
export function median(values: Array<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  const m = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return Math.round(m * 100) / 100;
}
