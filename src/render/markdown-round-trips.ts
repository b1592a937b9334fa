/** Markdown for the flight model (round trips, RTT) and the what-if table. */
import type { FlightModel, Report, WhatIfRow } from '../report/model.js';
import { cell } from './marks.js';
import {
  num,
  rttSentence,
  TLS13_RESUMPTION_NOTE,
  whatIfGrid,
  windowSentence,
} from './round-trips.js';

/** Round trips the client waited for, as a one-row table, with the RTT and first flight. */
export function flightMarkdown(f: FlightModel, report: Report): string[] {
  const r = f.roundTrips;
  const p = f.phasesInRtt;
  const window = windowSentence(f);
  return [
    `**Round trips**: ${rttSentence(f, report)}.`,
    '',
    '| TCP | TLS | HTTP | Extra | Total |',
    '|---|---|---|---|---|',
    `| ${r.tcp} | ${r.tls ?? '-'} | ${r.http ?? '-'} | ${r.extra} | **${r.total ?? '-'}** |`,
    '',
    `In RTT: dns ${num(p.dns, 2)}, tcp ${num(p.tcp, 2)}, tls ${num(p.tls, 2)}, server ` +
      `${num(p.server, 2)}${window ? `; ${window}` : ''}.`,
  ];
}

/** The what-if projection: visits, then what each control saves, in ms per RTT. */
export function whatIfMarkdown(rows: WhatIfRow[]): string[] {
  const g = whatIfGrid(rows);
  const rtts = g.rtts.map((r) => `${r} ms`);
  const rule = (n: number) => `|${'---|'.repeat(n)}`;
  const out = [
    '**What-if**: round trips × RTT of a visit (TCP + TLS + one request), in ms; no DNS, no ' +
      'server time',
    '',
    `| Visit | RT | ${rtts.join(' | ')} |`,
    rule(2 + rtts.length),
    ...g.visits.map(
      (v) => `| ${v.scenario} | ${v.roundTrips} | ${v.ms.map((ms) => num(ms, 0)).join(' | ')} |`,
    ),
  ];
  if (g.controls.length) {
    out.push(
      '',
      `| Control | RT with ↔ without | RT saved | ` +
        `${rtts.map((r) => `saves at ${r}`).join(' | ')} | Endpoint |`,
      rule(4 + rtts.length),
    );
  }
  for (const c of g.controls) {
    const state = c.has === null ? '-' : c.has ? 'has it' : 'lacks it';
    const saved = c.savedMs.map((ms) => num(ms, 0)).join(' | ');
    out.push(`| ${cell(c.name)} | ${c.trips} | ${c.savedRoundTrips} | ${saved} | ${state} |`);
  }
  if (g.tls13Note) out.push('', `_${TLS13_RESUMPTION_NOTE}_`);
  return out;
}
