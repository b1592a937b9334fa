/**
 * Text for the pool section: the per-address table, its inconsistencies, the ticket and
 * session-ID matrices as grids, the resumption rate with its cause, ticket age, 0-RTT and
 * stapling samples.
 */
import { groupList } from '../pool/matrix.js';
import type {
  EarlyDataResult,
  PoolAddressRow,
  PoolInfo,
  PoolMatrix,
  Report,
  ResumptionRate,
} from '../report/model.js';

/** The painter text.ts hands to section renderers (only the styles used here). */
type Paint = (style: 'bold' | 'dim' | 'warn', text: string) => string;

const dash = (v: string | number | null | undefined) =>
  v === null || v === undefined ? '-' : `${v}`;

/** Lays out rows as columns two spaces apart, each line indented by two. */
function grid(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}`.trimEnd());
}

/** The whole pool section; nothing when the report has no pool. */
export function poolSection(report: Report, paint: Paint): string[] {
  const pool = report.pool;
  if (!pool) return [];
  const out = [...addressLines(pool, paint)];
  if (pool.ticketMatrix) out.push(...matrixLines('Ticket keys', pool.ticketMatrix, paint));
  if (pool.sessionIdMatrix) out.push(...matrixLines('Session IDs', pool.sessionIdMatrix, paint));
  out.push(...measurementLines(pool));
  return out;
}

function addressLines(pool: PoolInfo, paint: Paint): string[] {
  const omitted = pool.omitted.length ? `, ${pool.omitted.length} omitted (--pool-max)` : '';
  const count = `${pool.addresses.length} address(es) from ${pool.source}${omitted}`;
  const head = `Pool         ${count}, SNI ${pool.sni ?? 'none'}`;
  const rows = pool.addresses.map(poolRowCells);
  const lines = [paint('bold', head), ...grid([POOL_COLUMNS, ...rows])];
  for (const i of pool.inconsistencies)
    lines.push(`  ${paint('warn', 'INCONSISTENT')} ${i.column}: ${i.sentence}`);
  return lines;
}

/** The columns of the per-address table. */
export const POOL_COLUMNS = [
  'address',
  'leaf',
  'key',
  'chain',
  'staple',
  'TLS',
  'ALPN',
  'tickets',
  'client auth',
  'RTs',
  'tls ms',
];

/** One terminator's cells, in POOL_COLUMNS order (only two for an unreachable one). */
export function poolRowCells(r: PoolAddressRow): string[] {
  if (r.error) return [r.address, `unreachable: ${r.error}`];
  const order = r.chainOrderCorrect === false ? ', MISORDERED' : '';
  const chain = `${r.chainComplete ? 'complete' : 'INCOMPLETE'}${order}`;
  const staple = r.staple ? r.staple.state : '-';
  const versions = r.tlsVersions.map((v) => v.replace('TLSv', '')).join('+') || '-';
  return [
    r.address,
    dash(r.leafSha256?.slice(0, 12)),
    dash(r.spkiSha256?.slice(0, 12)),
    chain,
    staple,
    versions,
    dash(r.alpn),
    dash(r.ticketsIssued),
    dash(r.clientAuth),
    dash(r.roundTrips),
    r.tlsMs === null ? '-' : r.tlsMs.toFixed(1),
  ];
}

const VERDICTS: Record<PoolMatrix['verdict'], string> = {
  'shared-by-all': 'shared by all',
  groups: 'shared by groups',
  none: 'shared by none',
};

/** `shared by groups (A: ..., B: ...)`: how sessions are shared across the pool. */
export function matrixVerdict(m: PoolMatrix): string {
  return `${VERDICTS[m.verdict]}${m.verdict === 'groups' ? ` (${groupList(m.groups)})` : ''}`;
}

function matrixLines(title: string, m: PoolMatrix, paint: Paint): string[] {
  const what =
    m.mechanism === 'ticket'
      ? 'ticket from ↓ offered to →, resumed?'
      : 'TLS 1.2 session ID, tickets off';
  const cell = (from: string, to: string) =>
    m.cells.find((x) => x.from === from && x.to === to)?.resumed ?? '-';
  const rows = [
    ['', ...m.addresses],
    ...m.addresses.map((from) => [from, ...m.addresses.map((to) => cell(from, to))]),
  ];
  return [
    `${title.padEnd(12)} ${matrixVerdict(m)}  (${what})`,
    ...grid(rows),
    `  ${paint('dim', `→ ${m.meaning}`)}`,
  ];
}

function measurementLines(pool: PoolInfo): string[] {
  const out = pool.resumptionRate ? rateLines(pool.resumptionRate) : [];
  const age = pool.ticketAge;
  if (age) out.push(`Ticket age   ${age.address}: ${age.sentence}`);
  out.push(earlyLine(pool.earlyData));
  const s = pool.staplingSamples;
  if (s) {
    const parts = s.perAddress.map(
      (a) => `stapled ${a.stapled} of ${a.samples} on ${a.address} (${a.good} good)`,
    );
    out.push(`Stapling     ${parts.join('; ')}${s.pauseMs ? `, ${s.pauseMs} ms apart` : ''}`);
  }
  return out;
}

/** The tickets counted along the resumption chain and what a resumption saved. */
export function rateDetail(r: ResumptionRate): string {
  const b = r.benefit;
  const rt =
    b.roundTripsFull === null ? '' : ` (${b.roundTripsFull} vs ${dash(b.roundTripsResumed)} RT)`;
  const tickets =
    `tickets ${r.ticketsOnFull} on ${r.fullHandshakes} full, ${r.ticketsOnResumed} ` +
    `on ${r.resumed} resumed`;
  return `${tickets}; TLS ${dash(b.tlsMsFull)} ms full vs ${dash(b.tlsMsResumed)} ms resumed${rt}`;
}

function rateLines(r: ResumptionRate): string[] {
  return [`Resumption   ${r.explanation}`, `             ${rateDetail(r)}`];
}

function earlyLine(e: EarlyDataResult): string {
  const head = `Early data   ${e.advertised ? 'advertised' : 'not advertised'}`;
  if (e.result === 'not-tested') return `${head}; not tested: ${e.reason}`;
  const max = e.maxEarlyData ? ` (max_early_data ${e.maxEarlyData})` : '';
  const declared = e.idempotentDeclared ? ' (route declared idempotent)' : '';
  return `${head}; ${e.result} on ${e.address}${max}, '${e.request}' sent as early data${declared}`;
}
