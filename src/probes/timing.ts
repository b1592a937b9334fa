/** Phase timings as curl's cumulative marks and as durations (TLS-FACTS: "Timing"). */
import type { Timing } from '../report/model.js';
import type { ConnectionOutcome } from './connection.js';
import type { HttpObservation } from './http.js';

const r = (ms: number) => Math.round(ms * 1000) / 1000;

/** Timing of the main connection; `namelookup` is when DNS finished, from the probe's start. */
export function measureTiming(
  namelookup: number,
  o: ConnectionOutcome,
  http: HttpObservation,
): Timing {
  const connect = o.connectAt ?? o.closedAt;
  const appconnect = o.appconnectAt;
  const sent = http.requestSentAt ?? appconnect ?? connect;
  // HTTP/1.1: the first server application-data record after the request, read from the
  // capture, is the first response byte (NewSessionTickets in the same flight are not counted).
  // h2: the server's SETTINGS frame comes first, so the response headers mark it instead.
  const firstByte =
    http.info.protocol === 'h2'
      ? http.headersAt
      : (o.transcript.serverAppData.find((at) => at >= sent) ?? http.headersAt);
  const starttransfer = appconnect === null ? null : (firstByte ?? null);
  const end = http.endAt ?? http.headersAt ?? o.closedAt;
  return {
    namelookup: r(namelookup),
    connect: r(connect),
    appconnect: appconnect === null ? null : r(appconnect),
    starttransfer: starttransfer === null ? null : r(starttransfer),
    total: r(end),
    durations: {
      dns: r(namelookup),
      tcp: r(connect - namelookup),
      tls: appconnect === null ? null : r(appconnect - connect),
      server: starttransfer === null || appconnect === null ? null : r(starttransfer - appconnect),
      transfer: starttransfer === null ? null : r(end - starttransfer),
    },
  };
}
