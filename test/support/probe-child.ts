/**
 * Runs one probe in its own process and prints one JSON line with what the report says and how
 * long it took. The hostile-server tests run it as a child: a leaked socket or timer shows up
 * as a child that does not exit on its own after printing.
 *
 * Usage: node probe-child.js '{"port":1234,"ca":"/tmp/ca.pem","timeoutMs":2000}'
 */
import { performance } from 'node:perf_hooks';
import { probeOptions, runProbe } from '../../src/probe.js';
import { prepareSetup } from '../../src/probes/setup.js';
import type { Report } from '../../src/report/model.js';

/** What the parent asks for. */
export interface ChildPlan {
  port: number;
  ca: string;
  timeoutMs: number;
  alpn?: string[];
  tls?: '1.2' | '1.3';
  resumption?: boolean;
}

/** The line the child prints. */
export interface ChildResult {
  elapsedMs: number;
  connectionError: string | null;
  error: string | null;
  findings: string[];
  handshakeError: string | null;
  messages: string[];
  alerts: string[];
  certificateMessageBytes: number | null;
  certificates: number;
  staplingState: string | null;
  staplingError: string | null;
  httpStatus: number | null;
  httpError: string | null;
  tickets: number;
  /** Peak resident set of the child, in MB. */
  maxRssMb: number;
}

// A rejection nobody handled is a bug of the probe: report it as its own line, never crash.
process.on('unhandledRejection', (reason) => {
  process.stdout.write(`${JSON.stringify({ unhandled: String(reason) })}\n`);
});

function summarize(report: Report, elapsedMs: number): ChildResult {
  const hs = report.handshake;
  return {
    elapsedMs,
    connectionError: report.connectionError,
    error: null,
    findings: report.findings.map((f) => f.id),
    handshakeError: hs?.error ?? null,
    messages: (hs?.messages ?? []).map((m) => `${m.from}:${m.type}:${m.bytes}`),
    alerts: (hs?.alerts ?? []).map((a) => `${a.from}:${a.description}`),
    certificateMessageBytes: report.chain?.certificateMessageBytes ?? null,
    certificates: report.chain?.certificates.length ?? 0,
    staplingState: report.stapling?.state ?? null,
    staplingError: report.stapling?.error ?? null,
    httpStatus: report.http?.status ?? null,
    httpError: report.http?.error ?? null,
    tickets: report.resumption?.ticketsAfterFull.length ?? 0,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

async function main(plan: ChildPlan): Promise<void> {
  const setup = prepareSetup({ caFiles: [plan.ca], tlsVersion: plan.tls, credentials: [] });
  const options = probeOptions(
    { host: 'localhost', port: plan.port },
    {
      connectTo: '127.0.0.1',
      alpn: plan.alpn ?? ['http/1.1'],
      timeoutMs: plan.timeoutMs,
      resumption: plan.resumption ?? true,
    },
  );
  const started = performance.now();
  let line: ChildResult | { error: string; elapsedMs: number };
  try {
    const report = await runProbe(options, setup);
    line = summarize(report, performance.now() - started);
  } catch (err) {
    line = { error: String(err), elapsedMs: performance.now() - started };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

await main(JSON.parse(process.argv[2] ?? '{}') as ChildPlan);
