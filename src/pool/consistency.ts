/**
 * Column-by-column comparison of the terminators: any column whose value differs becomes an
 * INCONSISTENT finding naming the addresses on each side. A user behind a load balancer meets
 * one terminator at random, so a difference shows up as an intermittent fault.
 */
import { finding } from '../report/findings.js';
import type {
  Finding,
  PoolAddressRow,
  PoolColumn,
  PoolInconsistency,
  Severity,
} from '../report/model.js';

interface ColumnSpec {
  /** The value compared (rows that failed the handshake only count for 'reachable'). */
  value: (r: PoolAddressRow) => string;
  /** Values that are the fault, listed first when sides are the same size. */
  faults: string[];
  /** "stapling missing", "incomplete chain": the side's value as a noun phrase. */
  phrase: (value: string) => string;
  /** What a family-split side does: "serves an incomplete chain" (`one`: a single address). */
  serves: (value: string, one: boolean) => string;
  severity: Severity;
  impact: string;
}

const short = (hex: string | null) => (hex ? hex.slice(0, 16) : 'none');
/** Third person singular for one address. */
const s3 = (one: boolean, verb: string) => (one ? `${verb}s` : verb);

const COLUMNS: Record<PoolColumn, ColumnSpec> = {
  reachable: {
    value: (r) => (r.error ? 'unreachable' : 'reachable'),
    faults: ['unreachable'],
    phrase: (v) => v,
    serves: (v, one) => `${one ? 'is' : 'are'} ${v}`,
    severity: 'fail',
    impact: 'Clients sent to those addresses cannot connect at all: failures look random.',
  },
  leaf: {
    value: (r) => short(r.leafSha256),
    faults: [],
    phrase: (v) => `leaf ${v}`,
    serves: (v, one) => `${s3(one, 'serve')} leaf ${v}`,
    severity: 'warn',
    impact:
      'Clients see a different certificate depending on the terminator (a rollout half done?).',
  },
  publicKey: {
    value: (r) => short(r.spkiSha256),
    faults: [],
    phrase: (v) => `public key ${v}`,
    serves: (v, one) => `${s3(one, 'serve')} public key ${v}`,
    severity: 'info',
    impact: 'Key pinning or certificate-bound tokens work on some terminators only.',
  },
  chainComplete: {
    value: (r) => (r.chainComplete === false ? 'incomplete' : 'complete'),
    faults: ['incomplete'],
    phrase: (v) => `${v} chain`,
    serves: (v, one) => `${s3(one, 'serve')} ${v === 'incomplete' ? 'an' : 'a'} ${v} chain`,
    severity: 'fail',
    impact:
      'Clients without the intermediate cached fail on those addresses only: an intermittent ' +
      'failure.',
  },
  chainOrder: {
    value: (r) => (r.chainOrderCorrect === false ? 'out of order' : 'in order'),
    faults: ['out of order'],
    phrase: (v) => `chain ${v}`,
    serves: (v, one) => `${s3(one, 'serve')} a chain ${v}`,
    severity: 'warn',
    impact: 'Strict clients reject the misordered chain on those addresses only.',
  },
  staple: {
    value: (r) => r.staple?.state ?? 'missing',
    faults: ['missing', 'invalid', 'revoked', 'unknown'],
    phrase: (v) => `stapling ${v}`,
    serves: (v, one) =>
      `${s3(one, 'send')} ${v === 'missing' ? 'no OCSP staple' : `a ${v} staple`}`,
    severity: 'warn',
    impact:
      'Clients that land there pay their own OCSP side trip (or stall on a slow responder) ' +
      'before the first request; which clients do is up to the load balancer.',
  },
  tlsVersions: {
    value: (r) => r.tlsVersions.join(' + ') || 'none',
    faults: [],
    phrase: (v) => `TLS ${v}`,
    serves: (v, one) => `${s3(one, 'speak')} TLS ${v}`,
    severity: 'warn',
    impact: 'Round trips and client compatibility depend on the terminator reached.',
  },
  alpn: {
    value: (r) => r.alpn ?? 'no ALPN',
    faults: ['no ALPN'],
    phrase: (v) => `ALPN ${v}`,
    serves: (v, one) => `${s3(one, 'negotiate')} ALPN ${v}`,
    severity: 'warn',
    impact: 'Clients get HTTP/2 on some terminators and HTTP/1.1 on others.',
  },
  ticketsIssued: {
    value: (r) => `${r.ticketsIssued ?? 0}`,
    faults: ['0'],
    phrase: (v) => `${v} ticket(s) issued`,
    serves: (v, one) => `${s3(one, 'issue')} ${v} ticket(s)`,
    severity: 'warn',
    impact: 'Returning clients resume on some terminators and pay a full handshake on others.',
  },
  clientAuth: {
    value: (r) => r.clientAuth ?? 'unknown',
    faults: [],
    phrase: (v) => `client auth ${v}`,
    serves: (v, one) => `${one ? 'has' : 'have'} client auth ${v}`,
    severity: 'warn',
    impact: 'Mutual TLS is enforced on some terminators only.',
  },
  roundTrips: {
    value: (r) => `${r.roundTrips ?? '?'}`,
    faults: [],
    phrase: (v) => `${v} handshake round trip(s)`,
    serves: (v, one) => `${s3(one, 'take')} ${v} handshake round trip(s)`,
    severity: 'warn',
    impact: 'First connections are one round trip slower on some terminators.',
  },
};

/** Compares every column; returns the inconsistencies and their findings. */
export function compareAddresses(rows: PoolAddressRow[]): {
  inconsistencies: PoolInconsistency[];
  findings: Finding[];
} {
  const inconsistencies: PoolInconsistency[] = [];
  const findings: Finding[] = [];
  for (const column of Object.keys(COLUMNS) as PoolColumn[]) {
    const pool = column === 'reachable' ? rows : rows.filter((r) => !r.error);
    const sides = sidesOf(pool, COLUMNS[column]);
    if (sides.length < 2) continue;
    const sentence = describe(column, sides, pool);
    inconsistencies.push({ column, sides, sentence });
    const spec = COLUMNS[column];
    const detail = Object.fromEntries(sides.map((s) => [s.value, s.addresses.join(', ')]));
    findings.push(
      finding(
        `pool.inconsistent.${column}`,
        spec.severity,
        `INCONSISTENT: ${sentence}.`,
        spec.impact,
        detail,
      ),
    );
  }
  return { inconsistencies, findings };
}

/**
 * Sides by value: healthy values first (the reference the faults are counted against), then
 * largest.
 */
function sidesOf(rows: PoolAddressRow[], spec: ColumnSpec): PoolInconsistency['sides'] {
  const byValue = new Map<string, string[]>();
  for (const r of rows) {
    const v = spec.value(r);
    byValue.set(v, [...(byValue.get(v) ?? []), r.address]);
  }
  const fault = (v: string) => (spec.faults.includes(v) ? 1 : 0);
  return [...byValue]
    .map(([value, addresses]) => ({ value, addresses }))
    .sort((a, b) => fault(a.value) - fault(b.value) || b.addresses.length - a.addresses.length);
}

/** "stapling missing on 1 of 2 addresses (a); stapling good on b". */
function describe(
  column: PoolColumn,
  sides: PoolInconsistency['sides'],
  rows: PoolAddressRow[],
): string {
  const spec = COLUMNS[column];
  const [reference, ...others] = sides;
  const parts = others.map(
    (side) => familySide(side, rows, spec) ?? countedSide(side, rows.length, spec),
  );
  return (
    `${parts.join('; ')}; ${spec.phrase(reference!.value)} on ` +
    `${reference!.addresses.join(', ')}`
  );
}

function countedSide(
  side: PoolInconsistency['sides'][number],
  total: number,
  spec: ColumnSpec,
): string {
  const n = side.addresses.length;
  return `${spec.phrase(side.value)} on ${n} of ${total} addresses (${side.addresses.join(', ')})`;
}

/** When a side is exactly the IPv6 (or IPv4) addresses, say so: the family is the clue. */
function familySide(
  side: PoolInconsistency['sides'][number],
  rows: PoolAddressRow[],
  spec: ColumnSpec,
): string | null {
  const families = new Set(
    rows.filter((r) => side.addresses.includes(r.address)).map((r) => r.family),
  );
  const [family] = [...families];
  if (families.size !== 1) return null;
  const sameFamily = rows.filter((r) => r.family === family).map((r) => r.address);
  if (sameFamily.length !== side.addresses.length || sameFamily.length === rows.length) return null;
  const one = side.addresses.length === 1;
  const list = side.addresses.join(', ');
  return `the IPv${family} address${one ? '' : 'es'} (${list}) ${spec.serves(side.value, one)}`;
}
