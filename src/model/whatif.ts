/**
 * What-if projection: first-visit, repeat-visit and next-request time at given RTTs, for the
 * endpoint as measured and for each control flipped (TLS 1.3, HelloRetryRequest, OCSP
 * stapling, session resumption, keep-alive). Network round trips × RTT only: DNS and server
 * time are left out, so the numbers are the floor each choice sets. Pure arithmetic.
 */
import type { Report, WhatIfRow } from '../report/model.js';
import { flightModel } from './flights.js';

/** Which visit a scenario projects. */
export type Visit = 'first' | 'repeat' | 'next';

/** Round trips to the endpoint and to the OCSP responder. */
export interface Trips {
  endpoint: number;
  responder: number;
}

/** Scenario names as they appear in WhatIfRow.scenario (stable: consumers match on them). */
export const SCENARIO = {
  firstMeasured: 'first visit, as measured',
  firstTls13: 'first visit, TLS 1.3',
  firstTls12: 'first visit, TLS 1.2',
  firstNoHrr: 'first visit, without HelloRetryRequest',
  firstHrr: 'first visit, with HelloRetryRequest',
  firstStapled: 'first visit, stapled',
  firstUnstapled: 'first visit, unstapled (OCSP side trip)',
  repeatMeasured: 'repeat visit, as measured',
  repeatResumed: 'repeat visit, resumed',
  repeatFull: 'repeat visit, full handshake',
  nextKeepAlive: 'next request, keep-alive',
  nextNewConnection: 'next request, new connection',
} as const;

/** A control and the two scenarios it switches between. */
export interface Control {
  name: string;
  with: string;
  without: string;
}

/** The controls the table compares, each as "with" versus "without". */
export const CONTROLS: Control[] = [
  { name: 'TLS 1.3 (vs 1.2)', with: SCENARIO.firstTls13, without: SCENARIO.firstTls12 },
  { name: 'no HelloRetryRequest', with: SCENARIO.firstNoHrr, without: SCENARIO.firstHrr },
  {
    name: 'OCSP staple (vs side trip)',
    with: SCENARIO.firstStapled,
    without: SCENARIO.firstUnstapled,
  },
  { name: 'session resumption', with: SCENARIO.repeatResumed, without: SCENARIO.repeatFull },
  {
    name: 'keep-alive (vs new connection)',
    with: SCENARIO.nextKeepAlive,
    without: SCENARIO.nextNewConnection,
  },
];

/** The facts of a report the projection needs. */
export interface Measured {
  /** TLS round trips of the full handshake, HelloRetryRequest included. */
  tls: number;
  tls13: boolean;
  hrr: boolean;
  /** Extra round trips of a first flight beyond the initial congestion window. */
  extra: number;
  /** The leaf names an OCSP responder. */
  ocspUrl: boolean;
  /** A client would need the side trip (no usable staple). */
  sideTrip: boolean;
  resumed: boolean;
}

/** Round trips of the OCSP side trip a browser makes: TCP connect and one HTTP exchange. */
export const SIDE_TRIP_ROUND_TRIPS = 2;

/** Reads the measured facts; null when the handshake did not complete. */
export function measuredFacts(report: Report): Measured | null {
  const hs = report.handshake;
  const flights = report.flights ?? flightModel(report);
  if (!hs?.version || !flights || flights.roundTrips.tls === null) return null;
  const s = report.stapling;
  const ocspUrl = (s?.responderUrl ?? report.chain?.certificates[0]?.ocspUrls[0] ?? null) !== null;
  const unusable = s !== null && ['missing', 'invalid', 'unknown'].includes(s.state);
  return {
    tls: flights.roundTrips.tls,
    tls13: hs.version === 'TLSv1.3',
    hrr: hs.helloRetryRequest,
    extra: flights.roundTrips.extra,
    ocspUrl,
    sideTrip: ocspUrl && unusable,
    resumed: report.resumption?.resumed === true,
  };
}

/** Every scenario's round trips; a control that cannot apply has no scenarios. */
export function scenarioTrips(m: Measured): Map<string, Trips> {
  const hrr = m.tls13 && m.hrr ? 1 : 0;
  const side = m.sideTrip ? SIDE_TRIP_ROUND_TRIPS : 0;
  const first = (tls: number, responder = side): Trips => ({
    endpoint: 1 + tls + 1 + m.extra,
    responder,
  });
  // A resumed handshake sends no Certificate, so no extra congestion windows; browsers keep
  // the OCSP answer, so no side trip either.
  const resumed: Trips = { endpoint: 1 + 1 + hrr + 1, responder: 0 };
  const full: Trips = { endpoint: 1 + m.tls + 1 + m.extra, responder: 0 };
  const repeat = m.resumed ? resumed : full;
  const out = new Map<string, Trips>([
    [SCENARIO.firstMeasured, first(m.tls)],
    [SCENARIO.firstTls13, first(1 + hrr)],
    [SCENARIO.firstTls12, first(2)],
  ]);
  if (m.tls13) {
    out.set(SCENARIO.firstNoHrr, first(1));
    out.set(SCENARIO.firstHrr, first(2));
  }
  if (m.ocspUrl) {
    out.set(SCENARIO.firstStapled, first(m.tls, 0));
    out.set(SCENARIO.firstUnstapled, first(m.tls, SIDE_TRIP_ROUND_TRIPS));
  }
  out.set(SCENARIO.repeatMeasured, repeat);
  out.set(SCENARIO.repeatResumed, resumed);
  out.set(SCENARIO.repeatFull, full);
  out.set(SCENARIO.nextKeepAlive, { endpoint: 1, responder: 0 });
  out.set(SCENARIO.nextNewConnection, repeat);
  return out;
}

/** The measured scenario each visit is compared with (a new connection for the next request). */
function baselineOf(scenario: string): string {
  if (scenario.startsWith('first')) return SCENARIO.firstMeasured;
  if (scenario.startsWith('repeat')) return SCENARIO.repeatMeasured;
  return SCENARIO.nextNewConnection;
}

/** ms of a scenario: endpoint round trips at `rttMs`, side-trip round trips at the responder's. */
export function tripsMs(t: Trips, rttMs: number, responderRttMs: number): number {
  return Math.round((t.endpoint * rttMs + t.responder * responderRttMs) * 10) / 10;
}

/** Projects every scenario at each RTT; `responderRttMs` defaults to the same RTT. */
export function projectWhatIf(
  report: Report,
  rtts: number[],
  responderRttMs?: number,
): WhatIfRow[] | null {
  const m = measuredFacts(report);
  if (!m || rtts.length === 0) return null;
  const trips = scenarioTrips(m);
  const rows: WhatIfRow[] = [];
  for (const rttMs of rtts) {
    const responder = responderRttMs ?? rttMs;
    for (const [scenario, t] of trips) {
      const base = trips.get(baselineOf(scenario))!;
      const ms = tripsMs(t, rttMs, responder);
      rows.push({
        rttMs,
        scenario,
        roundTrips: t.endpoint + t.responder,
        ms,
        savedRoundTrips: base.endpoint + base.responder - (t.endpoint + t.responder),
        savedMs: Math.round((tripsMs(base, rttMs, responder) - ms) * 10) / 10,
      });
    }
  }
  return rows;
}
