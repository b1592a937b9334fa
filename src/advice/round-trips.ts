/**
 * What each control saves at the user's RTT. The flight model's what-if (src/model/whatif.ts)
 * is the source: the report's own rows at that RTT, else a projection made from the report
 * now. Only when no projection is possible (no completed handshake) does the small textbook
 * model below price a saving, and the saving says so (`basis: 'model'`).
 */
import { flightModel, INITIAL_WINDOW_BYTES } from '../model/flights.js';
import { projectWhatIf } from '../model/whatif.js';
import type { Report, WhatIfRow } from '../report/model.js';
import type { Saving, Status } from './types.js';

/**
 * Textbook round trips (RFC 8446 §2, RFC 5246 §7.3), as measured through a 100 ms proxy in
 * TLS-FACTS: TLS 1.3 full 1.06, TLS 1.2 full 2.06, resumed ~1.03, HelloRetryRequest 2.06.
 */
export const FALLBACK = {
  tcp: 1,
  tls13Full: 1,
  tls12Full: 2,
  resumed: 1,
  helloRetry: 1,
  /** A client checking OCSP itself: TCP + one HTTP exchange to the responder. */
  ocspSideTrip: 2,
  /** A Certificate flight past the initial congestion window waits one more RTT. */
  secondWindow: 1,
  /** A client fetching a missing intermediate over AIA: TCP + one HTTP exchange. */
  aiaFetch: 2,
} as const;

export { INITIAL_WINDOW_BYTES };

/** What-if rows at this RTT: the report's own when it has them, else projected now. */
export function whatIfAt(report: Report, rttMs: number): WhatIfRow[] {
  const own = report.whatIf?.filter((row) => row.rttMs === rttMs) ?? [];
  return own.length ? own : (projectWhatIf(report, [rttMs]) ?? []);
}

/**
 * The saving of a control that switches the endpoint from scenario `without` to `with`:
 * against the endpoint as measured when the control is missing ("change"), and its worth
 * (`without` minus `with`) when it is in place or cannot be judged.
 */
export function scenarioSaving(
  report: Report,
  rttMs: number,
  status: Status,
  scenarios: { with: string; without: string; per: string },
): Saving | null {
  const rows = whatIfAt(report, rttMs);
  const w = rows.find((r) => r.scenario === scenarios.with);
  const wo = rows.find((r) => r.scenario === scenarios.without);
  if (!w) return null;
  if (status === 'change') {
    return { roundTrips: w.savedRoundTrips, ms: w.savedMs, per: scenarios.per, basis: 'what-if' };
  }
  if (!wo) return null;
  const ms = Math.round((wo.ms - w.ms) * 10) / 10;
  return { roundTrips: wo.roundTrips - w.roundTrips, ms, per: scenarios.per, basis: 'what-if' };
}

/** A textbook saving priced at `rttMs`. */
export function modelSaving(
  roundTrips: number,
  rttMs: number,
  per: string,
  bytes?: number,
): Saving {
  return {
    roundTrips,
    ms: Math.round(roundTrips * rttMs),
    per,
    basis: 'model',
    ...(bytes ? { bytes } : {}),
  };
}

/** Round trips of the TLS handshake as measured, else from the negotiated version. */
export function tlsRoundTrips(report: Report): { value: number; basis: 'measured' | 'model' } {
  const measured = (report.flights ?? flightModel(report))?.roundTrips.tls;
  if (typeof measured === 'number') return { value: measured, basis: 'measured' };
  const h = report.handshake;
  const base = h?.version === 'TLSv1.3' ? FALLBACK.tls13Full : FALLBACK.tls12Full;
  return { value: base + (h?.helloRetryRequest ? FALLBACK.helloRetry : 0), basis: 'model' };
}

/** Extra round trips of a first server flight beyond the initial window; null when unknown. */
export function extraWindowRoundTrips(report: Report): number | null {
  const flights = report.flights ?? flightModel(report);
  if (flights?.firstServerFlightBytes != null) return flights.roundTrips.extra;
  const bytes = report.chain?.certificateMessageBytes;
  if (typeof bytes !== 'number') return null;
  return bytes > INITIAL_WINDOW_BYTES ? FALLBACK.secondWindow : 0;
}
