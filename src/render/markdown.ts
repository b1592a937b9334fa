/**
 * Markdown rendering of a report, fit for a pull-request comment: the facts, the flight model
 * and what-if table, the pool, the client-certificate verdicts, then the findings.
 */
import { sortFindings } from '../report/findings.js';
import type { ClientAuthInfo, Report } from '../report/model.js';
import { poolMarkdown } from './markdown-pool.js';
import { flightMarkdown, whatIfMarkdown } from './markdown-round-trips.js';
import { cell, ICON } from './marks.js';
import { rejectedWhere } from './text.js';

/** The report as Markdown: facts, then each section the report has, then the findings. */
export function renderMarkdown(report: Report): string {
  const t = report.target;
  const lines = [`### tlsflight: \`${t.host}:${t.port}\``, '', ...facts(report)];
  if (report.flights) lines.push('', ...flightMarkdown(report.flights, report));
  if (report.whatIf?.length) lines.push('', ...whatIfMarkdown(report.whatIf));
  if (report.pool) lines.push('', ...poolMarkdown(report.pool));
  if (report.clientAuth?.certificateRequested || report.clientAuth?.offered.length) {
    lines.push('', ...clientAuthMarkdown(report.clientAuth));
  }
  lines.push(
    '',
    '| | Finding | What it means |',
    '|---|---|---|',
    ...sortFindings(report.findings).map(
      (f) => `| ${ICON[f.severity]} | **${f.id}**: ${cell(f.title)} | ${cell(f.impact)} |`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

function facts(report: Report): string[] {
  const t = report.target;
  const h = report.handshake;
  const c = report.chain;
  const r = report.resumption;
  const rows: Array<[string, string]> = [
    ['Target', `\`${t.host}:${t.port}\`${t.sni ? ` (SNI \`${t.sni}\`)` : ''}`],
    [
      'TLS',
      h
        ? `${h.version ?? 'failed'} ${h.cipher ?? ''} ${h.group ?? ''} ALPN ${h.alpn ?? 'none'}`
        : '-',
    ],
    ['HelloRetryRequest', h ? (h.helloRetryRequest ? 'yes' : 'no') : '-'],
    [
      'appconnect',
      report.timing?.appconnect != null ? `${report.timing.appconnect.toFixed(1)} ms` : '-',
    ],
    ['Chain', c ? `${c.certificates.length} certs, ${c.certificateMessageBytes ?? '?'} B` : '-'],
    ['OCSP staple', report.stapling?.state ?? '-'],
    ['Resumption', r ? (r.resumed ? `resumed (${r.mechanism})` : 'not resumed') : '-'],
    ['Client auth', report.clientAuth?.mode ?? '-'],
  ];
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`)];
}

function clientAuthMarkdown(c: ClientAuthInfo): string[] {
  const cas = c.acceptableCAs.length
    ? c.acceptableCAs.map((n) => `\`${n}\``).join(', ')
    : 'none listed';
  const out = [
    `**Client auth**: ${c.mode}; without a certificate: ${c.withoutCertificate}; CA names: ${cas}`,
  ];
  if (c.offered.length === 0) return out;
  out.push(
    '',
    '| | Certificate | Source | Verdict | Where | Issuer listed |',
    '|---|---|---|---|---|---|',
  );
  for (const v of c.offered) {
    const icon =
      v.verdict === 'accepted' ? ICON.ok : v.verdict === 'rejected' ? ICON.fail : ICON.warn;
    const listed = v.issuerListed === null ? '-' : v.issuerListed ? 'yes' : 'no';
    out.push(
      `| ${icon} | ${cell(v.subject)} | ${cell(v.source)} | ${v.verdict} | ` +
        `${cell(rejectedWhere(v) ?? '-')} | ${listed} |`,
    );
  }
  return out;
}
