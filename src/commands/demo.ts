/**
 * `tlsflight demo`: lab endpoints at an emulated cross-border RTT (300 ms by default), each
 * probed like a user would, the reports, then one side-by-side table. No internet needed.
 * A showcase: findings do not set the exit code.
 */
import { type Lab, type LabEndpoint, startLab } from '../lab/lab.js';
import { defaultDeps, probeOptions, runProbe } from '../probe.js';
import { prepareSetup } from '../probes/setup.js';
import type { Report } from '../report/model.js';
import { formatOf, type OutputFlags, writeOutputFile } from './output.js';
import { renderReport } from './probe.js';
import { parseRtt } from './round-trip-flags.js';

/** Flags of the demo command. */
export interface DemoFlags extends OutputFlags {
  rtt: string;
}

/** One probe the demo makes. */
interface DemoRun {
  endpoint: string;
  /** Which client certificate was offered, if any. */
  clientCert: 'client CA 1' | null;
}

/** The endpoints and probes of the demo, in the order shown. */
const RUNS: DemoRun[] = [
  { endpoint: 'healthy', clientCert: null },
  { endpoint: 'no-staple-no-tickets', clientCert: null },
  { endpoint: 'mtls-required', clientCert: null },
  { endpoint: 'mtls-required', clientCert: 'client CA 1' },
];

async function probe(lab: Lab, e: LabEndpoint, run: DemoRun): Promise<Report> {
  const credentials = run.clientCert
    ? [{ cert: lab.files.client!, key: lab.files.clientKey! }]
    : [];
  const setup = prepareSetup({ caFiles: [lab.files.ca!], credentials });
  const options = probeOptions(
    { host: e.sni, port: e.port },
    {
      connectTo: e.host,
      ocspFetch: true,
      whatIfRtts: lab.rttMs > 0 ? [lab.rttMs] : [],
    },
  );
  return runProbe(options, setup, defaultDeps);
}

const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : `${v.toFixed(0)} ms`;

/** The side-by-side: one line per probe. */
export function sideBySide(rows: Array<{ run: DemoRun; report: Report }>, rttMs: number): string {
  const cols = [
    'endpoint',
    'client cert',
    'appconnect',
    'round trips',
    'staple',
    'resumed',
    'client auth',
  ];
  const widths = [22, 13, 12, 13, 10, 11, 24];
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('')
      .trimEnd();
  const out = [`Side by side at an emulated RTT of ${rttMs} ms`, line(cols)];
  for (const { run, report } of rows) {
    const f = report.flights;
    const trips =
      f?.roundTrips.total === null || !f ? '-' : `${f.roundTrips.total} (tls ${f.roundTrips.tls})`;
    const ca = report.clientAuth;
    const verdict =
      ca?.offered[0]?.verdict ?? (ca?.withoutCertificate === 'rejected' ? 'rejected' : null);
    const auth = !ca || ca.mode === 'none' ? 'none' : `${ca.mode}${verdict ? `, ${verdict}` : ''}`;
    const r = report.resumption;
    const resumed =
      r?.offered === 'none'
        ? 'no ticket'
        : r?.resumed === true
          ? 'yes'
          : r?.resumed === false
            ? 'no'
            : '-';
    out.push(
      line([
        run.endpoint,
        run.clientCert ?? '-',
        ms(report.timing?.appconnect),
        trips,
        report.stapling?.state ?? '-',
        resumed,
        auth,
      ]),
    );
  }
  return `${out.join('\n')}\n`;
}

/** Runs the demo; returns 0 unless the demo itself could not run. */
export async function demoCommand(flags: DemoFlags): Promise<number> {
  const rttMs = parseRtt(flags.rtt, '--rtt');
  process.stderr.write(`tlsflight demo: starting local endpoints, emulated RTT ${rttMs} ms\n`);
  const names = [...new Set(RUNS.map((r) => r.endpoint))];
  const lab = await startLab({ rttMs, only: names });
  try {
    const rows: Array<{ run: DemoRun; report: Report }> = [];
    for (const run of RUNS) {
      const e = lab.endpoint(run.endpoint);
      process.stderr.write(
        `tlsflight demo: probing ${run.endpoint} ` +
          `(${e.spec.about})${run.clientCert ? ' with the demo client certificate' : ''}\n`,
      );
      rows.push({ run, report: await probe(lab, e, run) });
    }
    await writeOutputFile(
      flags,
      JSON.stringify(
        rows.map((r) => r.report),
        null,
        2,
      ),
    );
    if (formatOf(flags) === 'json') {
      process.stdout.write(
        `${JSON.stringify({ rttMs, reports: rows.map((r) => r.report) }, null, 2)}\n`,
      );
      return 0;
    }
    for (const { run, report } of rows) {
      const cert = run.clientCert ? `, client certificate from ${run.clientCert}` : '';
      process.stdout.write(
        `\n== ${run.endpoint}: ${lab.endpoint(run.endpoint).spec.about}${cert}\n`,
      );
      process.stdout.write(renderReport(report, flags));
    }
    process.stdout.write(`\n${sideBySide(rows, rttMs)}`);
    return 0;
  } finally {
    await lab.close();
  }
}
