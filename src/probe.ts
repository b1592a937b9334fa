/**
 * Runs the probes against one target and assembles the report. Probes fill the report;
 * nothing here formats or judges beyond what the probes return.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import { issued, type ParsedCertificate, parseCertificateDer } from './probes/certificate.js';
import { analyzeChain } from './probes/chain.js';
import { type Attempt, analyzeClientAuth, verdictOf } from './probes/client-auth.js';
import { type ConnectionOutcome, runConnection } from './probes/connection.js';
import { summarizeHandshake } from './probes/handshake.js';
import { emptyHttpObservation, httpExchange } from './probes/http.js';
import { probeResumption } from './probes/resumption.js';
import type { ProbeSetup } from './probes/setup.js';
import { analyzeStapling } from './probes/stapling.js';
import { type Resolver, resolveTarget, systemResolver, type TargetSpec } from './probes/target.js';
import { measureTiming } from './probes/timing.js';
import { finding } from './report/findings.js';
import { type Finding, REPORT_VERSION, type Report } from './report/model.js';
import { addRoundTrips, type RoundTripOptions } from './round-trips.js';
import { TOOL_VERSION } from './version.js';

/** Per-target options of a probe. */
export interface ProbeOptions extends RoundTripOptions {
  target: TargetSpec;
  sni?: string | null;
  /** Connect here instead of resolving (one terminator of a pool). */
  connectTo?: string;
  path: string;
  method: 'GET' | 'HEAD';
  alpn: string[];
  timeoutMs: number;
  requestOcsp: boolean;
  resumption: boolean;
  expiryWarningDays: number;
}

/** Things that touch the world, replaceable in tests. */
export interface ProbeDeps {
  resolver: Resolver;
  clock: () => number;
  now: () => Date;
}

/** Default dependencies: the system resolver, performance.now and the wall clock. */
export const defaultDeps: ProbeDeps = {
  resolver: systemResolver,
  clock: () => performance.now(),
  now: () => new Date(),
};

/** Options with the defaults a user gets from the CLI. */
export function probeOptions(
  target: TargetSpec,
  overrides: Partial<ProbeOptions> = {},
): ProbeOptions {
  return {
    target,
    path: '/',
    method: 'GET',
    alpn: ['h2', 'http/1.1'],
    timeoutMs: 10_000,
    requestOcsp: true,
    resumption: true,
    expiryWarningDays: 14,
    ...overrides,
  };
}

interface Run {
  options: ProbeOptions;
  setup: ProbeSetup;
  deps: ProbeDeps;
  address: string;
  servername: string | null;
  now: () => number;
}

/** Probes one target. Throws only TlsflightError for usage errors (e.g. DNS failure). */
export async function runProbe(
  options: ProbeOptions,
  setup: ProbeSetup,
  deps = defaultDeps,
): Promise<Report> {
  const startedAt = deps.now();
  const t0 = deps.clock();
  const now = () => deps.clock() - t0;
  const { host } = options.target;
  const resolved = options.connectTo
    ? [options.connectTo]
    : await resolveTarget(host, deps.resolver);
  const namelookup = options.connectTo || net.isIP(host) ? 0 : now();
  const servername = options.sni ?? (net.isIP(host) ? null : host);
  const run: Run = { options, setup, deps, address: resolved[0]!, servername, now };
  const report = emptyReport(options, startedAt, servername, resolved);
  const main = await attempt(run, setup.credentials[0]?.context ?? setup.base);
  report.timing = measureTiming(namelookup, main.outcome, main.http);
  const unreachable = connectionError(main.outcome, run);
  if (unreachable) {
    report.connectionError = unreachable;
    report.findings.push(
      finding('connection.failed', 'fail', unreachable, 'No client can use this endpoint.'),
    );
    return report;
  }
  await fillReport(report, run, main);
  await addRoundTrips(report, main.outcome, options, setup, deps);
  return report;
}

function emptyReport(
  o: ProbeOptions,
  startedAt: Date,
  sni: string | null,
  resolved: string[],
): Report {
  return {
    reportVersion: REPORT_VERSION,
    tool: { name: 'tlsflight', version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    target: {
      host: o.target.host,
      port: o.target.port,
      sni,
      address: o.connectTo ?? resolved[0] ?? null,
      resolved,
      path: o.path,
      method: o.method,
    },
    connectionError: null,
    timing: null,
    handshake: null,
    chain: null,
    stapling: null,
    resumption: null,
    clientAuth: null,
    http: null,
    flights: null,
    whatIf: null,
    ocspSideTrip: null,
    pool: null,
    findings: [],
  };
}

/** One connection with the HTTP request, using `context`. */
async function attempt(run: Run, context: tls.SecureContext, session?: Buffer): Promise<Attempt> {
  const http = emptyHttpObservation();
  const { options, now } = run;
  const authority = `${run.servername ?? options.target.host}:${options.target.port}`;
  const outcome = await runConnection({
    ...connectionBase(run, context),
    session,
    exchange: httpExchange(
      { authority, path: options.path, method: options.method, maxBodyBytes: 1 << 20, now },
      http,
    ),
  });
  http.info.error ??= outcome.exchangeError;
  return { outcome, http };
}

function connectionBase(run: Run, secureContext: tls.SecureContext) {
  const { options } = run;
  return {
    address: run.address,
    port: options.target.port,
    servername: run.servername,
    secureContext,
    alpn: options.alpn,
    requestOCSP: options.requestOcsp,
    timeoutMs: options.timeoutMs,
    now: run.now,
    // With the 2x-handshake rule in connection.ts, 100 ms covers loopback and LAN servers.
    ticketWaitMs: 100,
  };
}

/** A failure before any TLS answer is a usage-level error; later ones are findings. */
function connectionError(o: ConnectionOutcome, run: Run): string | null {
  const where = `${run.address}:${run.options.target.port}`;
  if (!o.failure) return null;
  if (o.failure.stage === 'connect') return `cannot connect to ${where}: ${o.failure.message}`;
  if (o.failure.stage === 'not-tls') return `${where} does not speak TLS: ${o.failure.message}`;
  const serverSpoke =
    o.transcript.messages.some((m) => m.from === 'server') || o.transcript.alerts.length > 0;
  return serverSpoke ? null : `TLS handshake with ${where} failed: ${o.failure.message}`;
}

async function fillReport(report: Report, run: Run, main: Attempt): Promise<void> {
  // The parsed certificates stay inside analyzeMain: across the awaits below they would be
  // kept alive for every probe in flight (a scan holds hundreds).
  const findings = analyzeMain(report, run, main);
  findings.push(...(await resumptionPart(report, run, main)));
  findings.push(...(await clientAuthPart(report, run, main)));
  report.findings.push(...findings);
}

/** Handshake, chain, staple and HTTP of the main connection. */
function analyzeMain(report: Report, run: Run, main: Attempt): Finding[] {
  const { options, setup, deps } = run;
  const findings: Finding[] = [];
  const hs = summarizeHandshake(main.outcome, refusedForClientCertificate(main));
  report.handshake = hs.handshake;
  findings.push(...hs.findings);
  const certs = sentCertificates(main.outcome);
  const chain = analyzeChain({
    certificates: certs,
    certificateMessageBytes: main.outcome.transcript.certificateMessageBytes,
    anchors: setup.anchors,
    authorized: main.outcome.appconnectAt === null ? null : main.outcome.authorized,
    authorizationError: main.outcome.authorizationError,
    hostname: run.servername ?? options.target.host,
    now: deps.now(),
    expiryWarningDays: options.expiryWarningDays,
  });
  report.chain = chain.chain;
  findings.push(...chain.findings);
  // No certificate seen (the handshake failed first): there is no staple question to answer.
  if (certs.length === 0) {
    report.http = main.http.info;
    return findings;
  }
  const stapling = analyzeStapling({
    requested: options.requestOcsp,
    staple: main.outcome.transcript.staple ?? main.outcome.ocspEvent,
    leaf: certs[0] ?? null,
    issuerDer: issuerOf(certs, setup)?.der ?? null,
    mustStaple: report.chain?.certificates[0]?.mustStaple ?? false,
    ocspUrls: report.chain?.certificates[0]?.ocspUrls ?? [],
    now: deps.now(),
  });
  report.stapling = stapling.stapling;
  findings.push(...stapling.findings);
  report.http = main.http.info;
  return findings;
}

async function resumptionPart(report: Report, run: Run, main: Attempt): Promise<Finding[]> {
  const rejected = refusedForClientCertificate(main) || main.outcome.lateError !== null;
  if (!run.options.resumption || main.outcome.failure || rejected) return [];
  const context = run.setup.credentials[0]?.context ?? run.setup.base;
  const result = await probeResumption(main.outcome, (session, noTicket) =>
    runConnection({ ...connectionBase(run, noTicket ? run.setup.noTicket : context), session }),
  );
  report.resumption = result.resumption;
  return result.findings;
}

async function clientAuthPart(report: Report, run: Run, main: Attempt): Promise<Finding[]> {
  const creds = run.setup.credentials;
  const requested = main.outcome.transcript.certificateRequest !== null;
  const anonymous = creds.length > 0 && requested ? await attempt(run, run.setup.base) : main;
  const offered = [];
  for (const [i, c] of creds.entries()) {
    offered.push({
      credential: c.credential,
      attempt: i === 0 ? main : await attempt(run, c.context),
    });
  }
  const result = analyzeClientAuth({ anonymous, offered, now: run.deps.now() });
  report.clientAuth = result.clientAuth;
  return result.findings;
}

/** The server asked for a client certificate and then refused this attempt. */
function refusedForClientCertificate(a: Attempt): boolean {
  return a.outcome.transcript.certificateRequest !== null && verdictOf(a).verdict === 'rejected';
}

/** The certificates in the order sent; Node's verified path only when the capture has none. */
export function sentCertificates(o: ConnectionOutcome): ParsedCertificate[] {
  const ders = o.transcript.certificates?.map((c) => c.der) ?? peerChain(o);
  return ders.map(parseCertificateDer).filter((c): c is ParsedCertificate => c !== null);
}

function peerChain(o: ConnectionOutcome): Buffer[] {
  const out: Buffer[] = [];
  let cert = o.peer as (tls.DetailedPeerCertificate & { raw: Buffer }) | null;
  while (cert?.raw && !out.some((d) => d.equals(cert!.raw))) {
    out.push(cert.raw);
    cert = cert.issuerCertificate as typeof cert;
  }
  return out;
}

/** The leaf's issuer among the certificates sent, else among the trust anchors. */
export function issuerOf(certs: ParsedCertificate[], setup: ProbeSetup): { der: Buffer } | null {
  const leaf = certs[0];
  if (!leaf) return null;
  const sent = certs.slice(1).find((c) => issued(c.node, leaf.node));
  if (sent) return sent;
  const anchor = setup.anchors().find((a) => issued(a, leaf.node));
  return anchor ? { der: anchor.raw } : null;
}
