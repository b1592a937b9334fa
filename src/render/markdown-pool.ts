/** Markdown for the pool: the per-address table, inconsistencies, session sharing, the rate. */
import type { PoolInfo, PoolMatrix } from '../report/model.js';
import { cell, ICON } from './marks.js';
import { matrixVerdict, POOL_COLUMNS, poolRowCells, rateDetail } from './pool-text.js';

/** The pool section; the hashes are shortened as in the text table. */
export function poolMarkdown(pool: PoolInfo): string[] {
  const omitted = pool.omitted.length ? `, ${pool.omitted.length} omitted (--pool-max)` : '';
  const out = [
    `**Pool**: ${pool.addresses.length} address(es) from ${pool.source}${omitted}, SNI ` +
      `${pool.sni ?? 'none'}`,
    '',
    `| ${POOL_COLUMNS.join(' | ')} |`,
    `|${'---|'.repeat(POOL_COLUMNS.length)}`,
    ...pool.addresses.map((r) => {
      const cells = poolRowCells(r);
      const padded = [...cells, ...Array(POOL_COLUMNS.length - cells.length).fill('')];
      return `| ${padded.map(cell).join(' | ')} |`;
    }),
  ];
  const notes = pool.inconsistencies.map(
    (i) => `- ${ICON.warn} **inconsistent ${i.column}**: ${cell(i.sentence)}`,
  );
  if (pool.ticketMatrix) notes.push(sharing('Ticket keys', pool.ticketMatrix));
  if (pool.sessionIdMatrix) notes.push(sharing('Session IDs', pool.sessionIdMatrix));
  const rate = pool.resumptionRate;
  if (rate)
    notes.push(
      `- **Resumption rate**: ${rate.explanation.replace(/\.$/, '')}; ${rateDetail(rate)}.`,
    );
  return notes.length ? [...out, '', ...notes] : out;
}

function sharing(title: string, m: PoolMatrix): string {
  return `- **${title}**: ${matrixVerdict(m)}. ${m.meaning}`;
}
