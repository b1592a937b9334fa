/**
 * What-if arithmetic: round trips per scenario from the measured facts, ms at each RTT (the
 * side trip at the responder's RTT), savings against the measured visit, the flags that feed
 * it, and the table a user reads.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRttList, toRoundTripOptions } from '../src/commands/round-trip-flags.js';
import { TlsflightError } from '../src/errors.js';
import { projectWhatIf, SCENARIO } from '../src/model/whatif.js';
import { roundTripSections } from '../src/render/round-trips.js';
import type { FlightModel, Report, StaplingState, WhatIfRow } from '../src/report/model.js';

/** What a synthetic report says about the endpoint. */
interface Endpoint {
  version: 'TLSv1.3' | 'TLSv1.2' | null;
  tls: number;
  hrr?: boolean;
  extra?: number;
  staple: StaplingState;
  ocspUrl?: boolean;
  resumed: boolean | null;
}

/** A report carrying only what the projection reads. */
function reportOf(e: Endpoint): Report {
  const flights: FlightModel = {
    rttMs: 100,
    rttSource: 'tcp-connect',
    roundTrips: {
      tcp: 1,
      tls: e.version ? e.tls : null,
      http: 1,
      extra: e.extra ?? 0,
      total: null,
    },
    firstServerFlightBytes: 1500,
    exceedsInitialWindow: (e.extra ?? 0) > 0,
    phasesInRtt: { dns: 0, tcp: 1, tls: e.tls, server: 1 },
  };
  const url = e.ocspUrl === false ? null : 'http://ocsp.example.test/';
  return {
    target: {
      host: 'example.test',
      port: 443,
      sni: 'example.test',
      address: null,
      resolved: [],
      path: '/',
      method: 'GET',
    },
    tool: { name: 'tlsflight', version: 'test' },
    handshake: {
      version: e.version,
      helloRetryRequest: e.hrr ?? false,
      flights: [],
      messages: [],
      alerts: [],
    },
    stapling: {
      state: e.staple,
      responderUrl: url,
      requested: true,
      received: e.staple === 'good',
    },
    chain: { certificates: [{ ocspUrls: url ? [url] : [] }] },
    resumption: { resumed: e.resumed },
    flights,
    findings: [],
  } as unknown as Report;
}

function row(rows: WhatIfRow[] | null, scenario: string, rttMs: number): WhatIfRow {
  const found = rows?.find((r) => r.scenario === scenario && r.rttMs === rttMs);
  assert.ok(found, `row '${scenario}' at ${rttMs} ms`);
  return found;
}

describe('what-if projection', () => {
  const tls13: Endpoint = { version: 'TLSv1.3', tls: 1, staple: 'good', resumed: true };
  const tls12: Endpoint = { version: 'TLSv1.2', tls: 2, staple: 'missing', resumed: false };

  const cases = [
    {
      name: 'TLS 1.3 stapled: a first visit is TCP + TLS + HTTP',
      e: tls13,
      rtt: 100,
      scenario: SCENARIO.firstMeasured,
      trips: 3,
      ms: 300,
      saved: 0,
    },
    {
      name: 'TLS 1.3 stapled: TLS 1.2 would cost one more RTT',
      e: tls13,
      rtt: 300,
      scenario: SCENARIO.firstTls12,
      trips: 4,
      ms: 1200,
      saved: -300,
    },
    {
      name: 'TLS 1.3 stapled: dropping the staple adds the side trip',
      e: tls13,
      rtt: 300,
      scenario: SCENARIO.firstUnstapled,
      trips: 5,
      ms: 1500,
      saved: -600,
    },
    {
      name: 'TLS 1.3: a HelloRetryRequest would cost one RTT',
      e: tls13,
      rtt: 50,
      scenario: SCENARIO.firstHrr,
      trips: 4,
      ms: 200,
      saved: -50,
    },
    {
      name: 'TLS 1.2 unstapled: first visit pays the side trip',
      e: tls12,
      rtt: 300,
      scenario: SCENARIO.firstMeasured,
      trips: 6,
      ms: 1800,
      saved: 0,
    },
    {
      name: 'TLS 1.2 unstapled: TLS 1.3 saves one RTT',
      e: tls12,
      rtt: 300,
      scenario: SCENARIO.firstTls13,
      trips: 5,
      ms: 1500,
      saved: 300,
    },
    {
      name: 'TLS 1.2 unstapled: a staple saves the side trip',
      e: tls12,
      rtt: 150,
      scenario: SCENARIO.firstStapled,
      trips: 4,
      ms: 600,
      saved: 300,
    },
    {
      name: 'TLS 1.2 without resumption: a repeat visit is a full handshake',
      e: tls12,
      rtt: 300,
      scenario: SCENARIO.repeatMeasured,
      trips: 4,
      ms: 1200,
      saved: 0,
    },
    {
      name: 'TLS 1.2: resumption saves one RTT on a repeat visit',
      e: tls12,
      rtt: 300,
      scenario: SCENARIO.repeatResumed,
      trips: 3,
      ms: 900,
      saved: 300,
    },
    {
      name: 'keep-alive: the next request is one RTT instead of a new connection',
      e: tls12,
      rtt: 300,
      scenario: SCENARIO.nextKeepAlive,
      trips: 1,
      ms: 300,
      saved: 900,
    },
    {
      name: 'TLS 1.3 with HRR: TLS 1.3 saves nothing over 1.2',
      e: { ...tls13, tls: 2, hrr: true },
      rtt: 100,
      scenario: SCENARIO.firstTls13,
      trips: 4,
      ms: 400,
      saved: 0,
    },
    {
      name: 'TLS 1.3 with HRR: a resumed visit still pays the retry',
      e: { ...tls13, tls: 2, hrr: true },
      rtt: 100,
      scenario: SCENARIO.repeatResumed,
      trips: 4,
      ms: 400,
      saved: 0,
    },
    {
      name: 'a Certificate flight past the initial window costs one more RTT',
      e: { ...tls13, extra: 1 },
      rtt: 100,
      scenario: SCENARIO.firstMeasured,
      trips: 4,
      ms: 400,
      saved: 0,
    },
    {
      name: 'a resumed visit sends no Certificate, so no extra window',
      e: { ...tls13, extra: 1 },
      rtt: 100,
      scenario: SCENARIO.repeatMeasured,
      trips: 3,
      ms: 300,
      saved: 0,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = row(projectWhatIf(reportOf(c.e), [50, 100, 150, 300]), c.scenario, c.rtt);
      assert.deepEqual([r.roundTrips, r.ms, r.savedMs], [c.trips, c.ms, c.saved]);
    });
  }

  test('the side trip is priced at the responder RTT when it differs', () => {
    const rows = projectWhatIf(reportOf(tls12), [300], 40);
    const first = row(rows, SCENARIO.firstMeasured, 300);
    assert.equal(first.ms, 4 * 300 + 2 * 40);
    const stapled = row(rows, SCENARIO.firstStapled, 300);
    assert.deepEqual([stapled.savedRoundTrips, stapled.savedMs], [2, 80]);
  });

  test('without an OCSP URL stapling is not projected', () => {
    const rows = projectWhatIf(
      reportOf({ ...tls13, staple: 'not-applicable', ocspUrl: false }),
      [100],
    );
    assert.equal(
      rows?.some((r) => r.scenario === SCENARIO.firstUnstapled),
      false,
    );
    assert.equal(row(rows, SCENARIO.firstMeasured, 100).ms, 300);
  });

  test('TLS 1.2 has no HelloRetryRequest to project', () => {
    const rows = projectWhatIf(reportOf(tls12), [100]);
    assert.equal(
      rows?.some((r) => r.scenario === SCENARIO.firstHrr),
      false,
    );
  });

  test('a failed handshake projects nothing', () => {
    assert.equal(projectWhatIf(reportOf({ ...tls13, version: null }), [100]), null);
  });

  test('the table shows each control with its savings per RTT', () => {
    const report = reportOf(tls12);
    report.whatIf = projectWhatIf(report, [50, 300]);
    const lines = roundTripSections(report, (_style, text) => text);
    const staple = lines.find((l) => l.includes('OCSP staple (vs side trip)'));
    assert.match(staple ?? '', /4↔6\s+2\s+100\s+600\s+\(endpoint lacks it\)/);
    const tls = lines.find((l) => l.includes('TLS 1.3 (vs 1.2)'));
    assert.match(tls ?? '', /5↔6\s+1\s+50\s+300\s+\(endpoint lacks it\)/);
  });
});

describe('--rtt and --responder-rtt', () => {
  test('lists and repeats combine, duplicates go', () => {
    assert.deepEqual(parseRttList(['50,150', '300', '150']), [50, 150, 300]);
  });

  for (const bad of ['abc', '-5', '', '50,,100', '20000']) {
    test(`'${bad}' is a usage error naming the value`, () => {
      assert.throws(
        () => parseRttList([bad]),
        (err: unknown) =>
          err instanceof TlsflightError &&
          err.code === 'BAD_OPTION' &&
          err.message.includes('--rtt'),
      );
    });
  }

  test('the responder RTT defaults to none (the projection then uses each RTT)', () => {
    assert.deepEqual(toRoundTripOptions({ rtt: ['300'] }), {
      ocspFetch: false,
      whatIfRtts: [300],
      responderRttMs: undefined,
    });
    assert.equal(toRoundTripOptions({ responderRtt: '80' }).responderRttMs, 80);
  });
});
