/** Markdown rendering of a report, fit for a pull-request comment. */
import { sortFindings } from '../report/findings.js';
import type { Report } from '../report/model.js';

const ICON = { ok: '✅', info: 'ℹ️', warn: '⚠️', fail: '❌' } as const;

/** The report as Markdown: a facts table and the findings. */
export function renderMarkdown(report: Report): string {
  const t = report.target;
  const h = report.handshake;
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
    [
      'Chain',
      report.chain
        ? `${report.chain.certificates.length} certs, ${report.chain.certificateMessageBytes ?? '?'} B`
        : '-',
    ],
    ['OCSP staple', report.stapling?.state ?? '-'],
    [
      'Resumption',
      report.resumption
        ? report.resumption.resumed
          ? `resumed (${report.resumption.mechanism})`
          : 'not resumed'
        : '-',
    ],
    ['Client auth', report.clientAuth?.mode ?? '-'],
  ];
  const lines = [
    `### tlsflight: \`${t.host}:${t.port}\``,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
    '| | Finding | What it means |',
    '|---|---|---|',
    ...sortFindings(report.findings).map(
      (f) =>
        `| ${ICON[f.severity]} | **${f.id}**: ${f.title.replace(/\|/g, '\\|')} | ${f.impact.replace(/\|/g, '\\|')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
