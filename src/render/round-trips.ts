/**
 * Text sections for the flight model, the OCSP side trip and the what-if table, and the pieces
 * of them the Markdown renderer shares (sentences and the what-if grid as data).
 */
import { INITIAL_WINDOW_BYTES } from '../model/flights.js';
import { CONTROLS, SCENARIO } from '../model/whatif.js';
import type { FlightModel, OcspSideTrip, Report, WhatIfRow } from '../report/model.js';

/** The painter text.ts hands to section renderers (only the styles used here). */
type Paint = (style: 'bold' | 'dim', text: string) => string;

/** A number with `digits` decimals, '-' when unknown. */
export const num = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined ? '-' : v.toFixed(digits);

/** Every round-trip section the report has, in reading order. */
export function roundTripSections(report: Report, paint: Paint): string[] {
  const out: string[] = [];
  if (report.flights) out.push(...flightLines(report.flights, report));
  if (report.ocspSideTrip) out.push(sideTripLine(report.ocspSideTrip));
  if (report.whatIf?.length) out.push(...whatIfTable(report.whatIf, paint));
  return out;
}

/** Where the RTT came from, as one sentence starting with "RTT". */
export function rttSentence(f: FlightModel, report: Report): string {
  if (f.rttMs === null) return 'RTT unknown';
  const tcp = report.timing?.durations.tcp;
  if (f.rttSource === 'tls-flights') {
    const why =
      (tcp ?? 0) < f.rttMs
        ? 'answered at once: a userland delay or a TCP-terminating middlebox'
        : 'slowed by something else than the path: a lost SYN or local load';
    return (
      `RTT ${num(f.rttMs)} ms from the TLS flight spacing (TCP connect took ${num(tcp)} ms, ` +
      `${why})`
    );
  }
  return `RTT ${num(f.rttMs)} ms from TCP connect (agrees with the TLS flight spacing)`;
}

/** The first server flight against the initial congestion window; null when not captured. */
export function windowSentence(f: FlightModel): string | null {
  if (f.firstServerFlightBytes === null) return null;
  return f.exceedsInitialWindow
    ? `first server flight ${f.firstServerFlightBytes} B exceeds the ${INITIAL_WINDOW_BYTES} B ` +
        `initial window (+${f.roundTrips.extra} RTT)`
    : `first server flight ${f.firstServerFlightBytes} B fits the initial window`;
}

function flightLines(f: FlightModel, report: Report): string[] {
  const r = f.roundTrips;
  const p = f.phasesInRtt;
  const window = windowSentence(f);
  return [
    `Round trips  tcp ${r.tcp} + tls ${r.tls ?? '-'} + http ${r.http ?? '-'} + extra ${r.extra} ` +
      `= ${r.total ?? '-'}${window ? `; ${window}` : ''}`,
    `             ${rttSentence(f, report)}`,
    `             in RTT: dns ${num(p.dns, 2)} | tcp ${num(p.tcp, 2)} | tls ${num(p.tls, 2)} | ` +
      `server ${num(p.server, 2)}`,
  ];
}

function sideTripLine(t: OcspSideTrip): string {
  const phases =
    `dns ${num(t.phases.dns)} | connect ${num(t.phases.connect)} | response ` +
    `${num(t.phases.response)}`;
  const verdict = t.error
    ? t.error
    : `certStatus ${t.certStatus ?? '-'}, signature ${t.signatureValid ? 'valid' : 'INVALID'}`;
  return `OCSP trip    ${t.url} ${num(t.ms)} ms (${phases}): ${verdict}`;
}

/** The what-if table as data: visits and controls, one value per RTT. */
export interface WhatIfGrid {
  rtts: number[];
  visits: Array<{ scenario: string; roundTrips: number; ms: Array<number | null> }>;
  controls: Array<{
    name: string;
    /** Round trips with and without the control, e.g. `1↔2`. */
    trips: string;
    savedRoundTrips: number;
    savedMs: number[];
    /** Whether the endpoint has the control; null when the rows cannot tell. */
    has: boolean | null;
  }>;
  /** The table compares HelloRetryRequest, so the TLS 1.3 resumption note applies. */
  tls13Note: boolean;
}

/** Reads the what-if rows into visits and controls, in the table's order. */
export function whatIfGrid(rows: WhatIfRow[]): WhatIfGrid {
  const rtts = [...new Set(rows.map((r) => r.rttMs))];
  const find = (scenario: string, rtt: number) =>
    rows.find((r) => r.scenario === scenario && r.rttMs === rtt);
  const grid: WhatIfGrid = { rtts, visits: [], controls: [], tls13Note: false };
  for (const scenario of [SCENARIO.firstMeasured, SCENARIO.repeatMeasured]) {
    const first = find(scenario, rtts[0]!);
    if (!first) continue;
    const ms = rtts.map((r) => find(scenario, r)?.ms ?? null);
    grid.visits.push({ scenario, roundTrips: first.roundTrips, ms });
  }
  for (const control of CONTROLS) {
    const pairs = rtts.map((r) => [find(control.with, r), find(control.without, r)] as const);
    const [w, wo] = pairs[0]!;
    if (!w || !wo) continue;
    grid.controls.push({
      name: control.name,
      trips: `${w.roundTrips}↔${wo.roundTrips}`,
      savedRoundTrips: wo.roundTrips - w.roundTrips,
      savedMs: pairs.map(([a, b]) => b!.ms - a!.ms),
      has: controlState(w, wo, control.with.startsWith('next')),
    });
  }
  grid.tls13Note = find(SCENARIO.firstNoHrr, rtts[0]!) !== undefined;
  return grid;
}

/** Why a TLS 1.3 endpoint's resumption saves no round trip. */
export const TLS13_RESUMPTION_NOTE =
  'TLS 1.3 resumes in 1 RTT like a full handshake: resumption saves the Certificate flight and ' +
  'its checks, not a round trip; 0-RTT would.';

const cell = (text: string, width = 10) => text.padStart(width);

function whatIfTable(rows: WhatIfRow[], paint: Paint): string[] {
  const grid = whatIfGrid(rows);
  const line = (label: string, trips: string, rt: string, cells: string[], note = '') =>
    `  ${label.padEnd(32)}${trips.padEnd(9)}${cell(rt, 4)}` +
    `${cells.join('')}${note ? `  ${note}` : ''}`;
  const header = grid.rtts.map((r) => cell(`${r} ms`));
  const out = [
    paint(
      'bold',
      'What-if      round trips × RTT of a visit: TCP + TLS + one request (no DNS, no server ' +
        'time)',
    ),
    paint('dim', line('visit', '', 'RT', header)),
  ];
  for (const v of grid.visits) {
    out.push(
      line(
        v.scenario,
        '',
        String(v.roundTrips),
        v.ms.map((ms) => cell(num(ms, 0))),
      ),
    );
  }
  out.push(paint('dim', line('control saves', 'with↔w/o', 'RT', header)));
  for (const c of grid.controls) {
    const state = c.has === null ? '' : c.has ? '(endpoint has it)' : '(endpoint lacks it)';
    const saved = c.savedMs.map((ms) => cell(num(ms, 0)));
    out.push(line(c.name, c.trips, String(c.savedRoundTrips), saved, state));
  }
  if (grid.tls13Note) out.push(paint('dim', `  (${TLS13_RESUMPTION_NOTE})`));
  return out;
}

/** Whether the endpoint already has the control, read from the savings against it. */
function controlState(withRow: WhatIfRow, withoutRow: WhatIfRow, unknown: boolean): boolean | null {
  if (unknown || withRow.roundTrips === withoutRow.roundTrips) return null;
  return withRow.savedRoundTrips === 0;
}
