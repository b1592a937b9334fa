/** Renders a report as text for a terminal: facts per section, then findings worst first. */
import { sortFindings } from '../report/findings.js';
import type { ClientCertVerdict, Finding, Report, Severity } from '../report/model.js';
import { poolSection } from './pool-text.js';
import { roundTripSections } from './round-trips.js';

/** How the text should look. */
export interface TextOptions {
  color: boolean;
  verbose: boolean;
}

const COLORS: Record<Severity | 'dim' | 'bold', [number, number]> = {
  ok: [32, 39],
  info: [36, 39],
  warn: [33, 39],
  fail: [31, 39],
  dim: [2, 22],
  bold: [1, 22],
};

type Paint = (style: keyof typeof COLORS, text: string) => string;

function painter(color: boolean): Paint {
  return (style, text) =>
    color ? `\u001b[${COLORS[style][0]}m${text}\u001b[${COLORS[style][1]}m` : text;
}

const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : `${v.toFixed(1)}`;
const yes = (v: boolean | null | undefined, y = 'yes', n = 'no') =>
  v === null || v === undefined ? '-' : v ? y : n;

/** The whole report as text. */
export function renderText(report: Report, options: TextOptions): string {
  const p = painter(options.color);
  const lines: string[] = [header(report, p)];
  if (report.timing) lines.push(...timing(report));
  if (report.handshake) lines.push(...handshake(report, options.verbose));
  if (report.chain) lines.push(...chain(report));
  if (report.stapling) lines.push(stapling(report));
  if (report.resumption) lines.push(resumption(report));
  if (report.clientAuth) lines.push(...clientAuth(report));
  if (report.http) lines.push(http(report));
  for (const extra of sectionRenderers) lines.push(...extra(report, p));
  lines.push('', p('bold', 'Findings'), ...findings(report.findings, p));
  return `${lines.join('\n')}\n`;
}

/** Renderers for sections added by other consumers (flight model, pools, advice). */
export const sectionRenderers: Array<(report: Report, paint: Paint) => string[]> = [];
sectionRenderers.push(roundTripSections);
sectionRenderers.push(poolSection);

function header(r: Report, p: Paint): string {
  const t = r.target;
  const sni = t.sni ? ` (SNI ${t.sni})` : ' (no SNI)';
  const via = t.address && t.address !== t.host ? ` via ${t.address}` : '';
  return p(
    'bold',
    `tlsflight ${r.tool.version}  ${t.host}:${t.port}${sni}${via}  ${t.method} ${t.path}`,
  );
}

function timing(r: Report): string[] {
  const t = r.timing!;
  const d = t.durations;
  return [
    `Timing (ms)  namelookup ${ms(t.namelookup)}  connect ${ms(t.connect)}  appconnect ` +
      `${ms(t.appconnect)}  starttransfer ${ms(t.starttransfer)}  total ${ms(t.total)}`,
    `             dns ${ms(d.dns)} | tcp ${ms(d.tcp)} | tls ${ms(d.tls)} | server ` +
      `${ms(d.server)} | transfer ${ms(d.transfer)}`,
  ];
}

function handshake(r: Report, verbose: boolean): string[] {
  const h = r.handshake!;
  const out = [
    `Handshake    ${h.version ?? 'failed'}  ${h.cipher ?? '-'}  group ${h.group ?? '-'}  ALPN ` +
      `${h.alpn ?? 'none'}  HelloRetryRequest ${yes(h.helloRetryRequest)}`,
  ];
  if (h.error) out.push(`             error: ${h.error}`);
  if (!verbose) return out;
  out.push('Flights');
  for (const f of h.flights) {
    const arrow = f.from === 'client' ? 'C → S' : 'S → C';
    out.push(
      `  ${ms(f.start).padStart(8)} ms  ${arrow}  ${String(f.bytes).padStart(6)} B  ` +
        `${f.messages.join(', ')}`,
    );
  }
  return out;
}

function chain(r: Report): string[] {
  const c = r.chain!;
  const bytes =
    c.certificateMessageBytes === null
      ? ''
      : `, Certificate message ${c.certificateMessageBytes} B`;
  const out = [`Chain        ${c.certificates.length} sent${bytes}`];
  for (const cert of c.certificates) {
    const key =
      `${cert.key.type}${cert.key.curve ? ` ${cert.key.curve}` : ''}` +
      `${cert.key.bits ? ` ${cert.key.bits}` : ''}`;
    out.push(
      `  #${cert.index} ${cert.subject}  [${key}, ${cert.signatureAlgorithm}, ${cert.bytes} B]`,
    );
    out.push(
      `     issuer ${cert.issuer}  notAfter ${cert.notAfter.slice(0, 10)}  serial ` +
        `${cert.serialNumber}`,
    );
    if (cert.subjectAltNames.length) out.push(`     SAN ${cert.subjectAltNames.join(', ')}`);
  }
  out.push(
    `  order ${yes(c.orderCorrect, 'ok', 'WRONG')} · complete ${yes(c.complete)} · extra root ` +
      `${yes(c.rootIncluded)} · hostname ${yes(c.hostnameMatches, 'ok', 'MISMATCH')} · ` +
      `trusted ${yes(c.trusted)}${c.trustError ? ` (${c.trustError})` : ''} · leaf ` +
      `${c.leafDaysLeft} days left`,
  );
  return out;
}

function stapling(r: Report): string {
  const s = r.stapling!;
  if (!s.received)
    return `OCSP staple  ${s.state}${s.responderUrl ? ` (responder ${s.responderUrl})` : ''}`;
  const left = s.secondsLeft === null ? '' : `, ${stapleWindow(s.ageSeconds, s.secondsLeft)}`;
  return (
    `OCSP staple  ${s.state}: certStatus ${s.certStatus ?? '-'}, signer ${s.signer ?? '-'}, ` +
    `signature ${yes(s.signatureValid, 'valid', 'INVALID')}, CertID ` +
    `${yes(s.certIdMatches, 'matches', 'MISMATCH')}, thisUpdate ${s.thisUpdate ?? '-'}, ` +
    `nextUpdate ${s.nextUpdate ?? '-'}${left}, ${s.bytes} B${s.error ? ` (${s.error})` : ''}`
  );
}

function resumption(r: Report): string {
  const s = r.resumption!;
  const t = s.ticketsAfterFull;
  const hint = t[0]?.lifetimeHintSeconds;
  const tickets =
    `${t.length} ticket(s) after the full handshake` +
    `${hint !== undefined ? ` (lifetime ${hint} s, first +${ms(t[0]!.arrivedAfterMs)} ms)` : ''}`;
  const result =
    s.resumed === null ? 'not tried' : s.resumed ? `resumed via ${s.mechanism}` : 'NOT resumed';
  const second = s.resumed ? 'resumed' : 'on the second connection';
  const times =
    `TLS ${ms(s.appconnectFullMs)} ms full vs ${ms(s.appconnectResumedMs)} ms ` + `${second}`;
  const id =
    s.sessionIdResumed === null
      ? ''
      : `; session-ID cache ${yes(s.sessionIdResumed, 'resumes', 'does not resume')}`;
  return `Resumption   ${tickets}; offered ${s.offered}: ${result}; ${times}${id}`;
}

function clientAuth(r: Report): string[] {
  const c = r.clientAuth!;
  if (!c.certificateRequested) return ['Client auth  no CertificateRequest'];
  const out = [`Client auth  ${c.mode}; without a certificate: ${c.withoutCertificate}`];
  out.push(`  CA names: ${c.acceptableCAs.length ? c.acceptableCAs.join(' | ') : '(none listed)'}`);
  for (const v of c.offered) {
    const where = rejectedWhere(v);
    out.push(
      `  ${v.source}: ${v.subject} → ${v.verdict}${where ? ` (${where})` : ''}; issuer listed ` +
        `${yes(v.issuerListed)}`,
    );
  }
  return out;
}

/** Where a client certificate was turned away, with the alert or HTTP status; null if not. */
export function rejectedWhere(v: ClientCertVerdict): string | null {
  if (!v.where) return null;
  return (
    `${v.where}${v.alert ? `: ${v.alert}` : ''}` + `${v.httpStatus ? `: HTTP ${v.httpStatus}` : ''}`
  );
}

function http(r: Report): string {
  const h = r.http!;
  if (h.status === null) return `HTTP         no response${h.error ? `: ${h.error}` : ''}`;
  const alt = h.altSvc
    ? `Alt-Svc ${h.altSvc}${h.http3Advertised ? ' (HTTP/3 advertised)' : ''}`
    : 'no Alt-Svc';
  return (
    `HTTP         ${h.protocol} ${h.status} ${h.statusText ?? ''}  server ` +
    `${h.server ?? '-'}  ${alt}`
  );
}

function findings(list: Finding[], p: Paint): string[] {
  return sortFindings(list).flatMap((f) => [
    `  ${p(f.severity, f.severity.toUpperCase().padEnd(4))} ${f.id.padEnd(30)} ${f.title}`,
    `       ${p('dim', `→ ${f.impact}`)}`,
  ]);
}

/** "23 h left", "expired 25 h ago" or "valid only in 47 h" for a staple's time window. */
function stapleWindow(ageSeconds: number | null, secondsLeft: number): string {
  const hours = (seconds: number) => Math.floor(Math.abs(seconds) / 3600);
  if (ageSeconds !== null && ageSeconds < 0) return `valid only in ${hours(ageSeconds)} h`;
  if (secondsLeft < 0) return `expired ${hours(secondsLeft)} h ago`;
  return `${hours(secondsLeft)} h left`;
}
