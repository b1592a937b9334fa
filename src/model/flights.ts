/**
 * The flight model: how many round trips the client waited for, counted from the flights the
 * probe captured (not from the textbook number of the TLS version), an estimate of the path RTT,
 * and every phase expressed in RTTs. A pure consumer of the report.
 */
import { finding } from '../report/findings.js';
import type { Finding, Flight, FlightModel, Report } from '../report/model.js';

/** TCP payload bytes per segment on a 1500-byte Ethernet path (IPv4, no options). */
export const SEGMENT_BYTES = 1460;
/** RFC 6928: the initial congestion window of Linux and most servers, in segments. */
export const INITIAL_WINDOW_SEGMENTS = 10;
/** The ~14 KB a server may send before it must wait for the client's first ACKs. */
export const INITIAL_WINDOW_BYTES = SEGMENT_BYTES * INITIAL_WINDOW_SEGMENTS;

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Builds the flight model of a report; null when no handshake was attempted. */
export function flightModel(report: Report): FlightModel | null {
  const { handshake, timing } = report;
  if (!handshake || !timing) return null;
  const appconnect = timing.appconnect;
  const answers = answeringFlights(handshake.flights, appconnect);
  const tls = appconnect === null ? null : answers.length;
  // After a HelloRetryRequest the handshake proper starts with the second server flight.
  const handshakeFlight = answers[handshake.helloRetryRequest ? 1 : 0]?.server ?? null;
  const firstServerFlightBytes = handshakeFlight?.bytes ?? null;
  const extra = extraWindows(firstServerFlightBytes);
  const http = timing.starttransfer === null ? null : 1;
  const rtt = estimateRtt(timing.durations.tcp, minSpacing(answers));
  const inRtt = (ms: number | null) =>
    ms === null || rtt.rttMs === null || rtt.rttMs <= 0 ? null : round2(ms / rtt.rttMs);
  const d = timing.durations;
  return {
    rttMs: rtt.rttMs === null ? null : round2(rtt.rttMs),
    rttSource: rtt.rttSource,
    roundTrips: {
      tcp: 1,
      tls,
      http,
      extra,
      total: tls === null ? null : 1 + tls + (http ?? 0) + extra,
    },
    firstServerFlightBytes,
    exceedsInitialWindow: extra > 0,
    phasesInRtt: {
      dns: inRtt(d.dns),
      tcp: inRtt(d.tcp),
      tls: inRtt(d.tls),
      server: inRtt(d.server),
    },
  };
}

/** What the flight model tells a user far away: a first flight past the initial window. */
export function flightFindings(model: FlightModel): Finding[] {
  if (!model.exceedsInitialWindow) return [];
  const extra = model.roundTrips.extra;
  return [
    finding(
      'flights.initial-window',
      'warn',
      `The server's first handshake flight is ${model.firstServerFlightBytes} B, beyond the ` +
        `${INITIAL_WINDOW_BYTES} B initial congestion window (${INITIAL_WINDOW_SEGMENTS} × ` +
        `${SEGMENT_BYTES} B).`,
      `The server waits for the client's ACKs before sending the rest: +${extra} RTT on every ` +
        `full handshake (${extra * 300} ms at 300 ms).`,
      { bytes: model.firstServerFlightBytes, extraRoundTrips: extra },
    ),
  ];
}

/** A server flight with the client flight it answered. */
interface Answer {
  client: Flight;
  server: Flight;
}

/**
 * Server flights that answer a client flight and arrived by `appconnect` (the client's
 * secureConnect): each is one round trip the client waited for during the handshake.
 */
function answeringFlights(flights: Flight[], appconnect: number | null): Answer[] {
  const out: Answer[] = [];
  for (let i = 1; i < flights.length; i++) {
    const server = flights[i]!;
    const client = flights[i - 1]!;
    if (server.from !== 'server' || client.from !== 'client') continue;
    if (appconnect !== null && server.start > appconnect) break;
    out.push({ client, server });
  }
  return out;
}

/** TLS round trips of one captured handshake (also used for resumed connections). */
export function tlsRoundTrips(flights: Flight[], appconnect: number | null): number | null {
  return appconnect === null ? null : answeringFlights(flights, appconnect).length;
}

/** Shortest wait between a client flight and the server's answer: RTT plus server time. */
function minSpacing(answers: Answer[]): number | null {
  const gaps = answers.map((a) => a.server.start - a.client.end).filter((g) => g >= 0);
  return gaps.length ? Math.min(...gaps) : null;
}

/**
 * Extra round trips a first server flight of `bytes` costs under slow start: the server sends
 * the initial window, then waits one RTT per window, which doubles each time (RFC 5681 §3.1).
 */
export function extraWindows(bytes: number | null): number {
  if (bytes === null) return 0;
  let window = INITIAL_WINDOW_BYTES;
  let sent = window;
  let extra = 0;
  while (sent < bytes) {
    window *= 2;
    sent += window;
    extra += 1;
  }
  return extra;
}

/** How the RTT was estimated. */
export interface RttEstimate {
  rttMs: number | null;
  rttSource: FlightModel['rttSource'];
}

/**
 * TCP connect is the cleanest RTT sample, but a userland delay (the lab) or a TCP-terminating
 * middlebox completes the TCP handshake at once: when connect and the TLS flight spacing
 * disagree by more than a factor of two, the flights are the path the TLS bytes really took.
 */
export function estimateRtt(tcpMs: number, flightSpacingMs: number | null): RttEstimate {
  if (flightSpacingMs === null || flightSpacingMs <= 0) {
    return tcpMs > 0
      ? { rttMs: tcpMs, rttSource: 'tcp-connect' }
      : { rttMs: null, rttSource: 'none' };
  }
  const agree = tcpMs >= flightSpacingMs / 2 && tcpMs <= flightSpacingMs * 2;
  return agree
    ? { rttMs: tcpMs, rttSource: 'tcp-connect' }
    : { rttMs: flightSpacingMs, rttSource: 'tls-flights' };
}
