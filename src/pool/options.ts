/**
 * The pool's flags turned into a PoolRequest, and the decision whether a probe becomes a pool
 * probe: always with --pool, repeated --connect-to or --all-addresses; by default when the
 * name resolves to more than one address; for a single address when a pool-only measurement
 * (--resumption-attempts, --ticket-age, --samples) is asked for.
 */
import { TlsflightError } from '../errors.js';
import type { ProbeOptions } from '../probe.js';
import type { TargetSpec } from '../probes/target.js';
import type { PoolInfo, Report } from '../report/model.js';
import { wholeNumber } from '../util/whole-number.js';
import {
  boundMembers,
  type PoolMember,
  parsePoolEntry,
  parsePoolList,
  poolMember,
} from './members.js';

/** Raw pool flags as commander hands them over. */
export interface PoolFlags {
  connectTo?: string[];
  /** true/false when given (--all-addresses / --no-all-addresses), undefined for "auto". */
  allAddresses?: boolean;
  pool?: string;
  poolMax?: string;
  resumptionAttempts?: string;
  ticketAge?: string;
  samples?: string;
  samplePause?: string;
  idempotent?: boolean;
  tls?: string;
}

/** What the user asked of the pool. */
export interface PoolRequest {
  /** Members given on the command line; null: the addresses the name resolved to. */
  members: PoolMember[] | null;
  source: PoolInfo['source'];
  allAddresses: boolean | undefined;
  poolMax: number;
  resumptionAttempts: number;
  ticketAgeSeconds: number | null;
  samples: number | null;
  samplePauseMs: number;
  idempotent: boolean;
  /** Try TLS 1.2 on its own (versions column, session-ID matrix); off with --tls 1.3. */
  tls12: boolean;
  /** A pool-only measurement was asked for: run even for one address. */
  explicit: boolean;
}

/** Default resumption-chain length (the "default 10"). */
export const DEFAULT_RESUMPTION_ATTEMPTS = 10;

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) {
    throw new TlsflightError(
      'BAD_OPTION',
      `bad ${flag} '${value}': expected seconds, more than 0 and at most 86400`,
    );
  }
  return n;
}

/** Parses the pool flags; `target` gives the port of entries that name none. */
export function toPoolRequest(f: PoolFlags, target: TargetSpec): PoolRequest {
  const connectTo = f.connectTo ?? [];
  if (f.pool !== undefined && connectTo.length > 0) {
    throw new TlsflightError(
      'BAD_OPTION',
      'give the pool either as --pool or as repeated --connect-to, not both',
    );
  }
  const fromPool = f.pool !== undefined ? parsePoolList(f.pool, target.port) : null;
  const fromConnectTo =
    connectTo.length > 1
      ? connectTo.map((ip) => parsePoolEntry(ip, target.port, '--connect-to'))
      : null;
  const measured = [f.resumptionAttempts, f.ticketAge, f.samples].some((v) => v !== undefined);
  return {
    members:
      fromPool ??
      fromConnectTo ??
      (connectTo.length === 1 ? [poolMember(connectTo[0]!, target.port, target.port)] : null),
    source: fromPool ? 'pool' : connectTo.length > 0 ? 'connect-to' : 'resolved',
    allAddresses: f.allAddresses,
    poolMax: wholeNumber(f.poolMax ?? '8', '--pool-max', 26),
    resumptionAttempts:
      f.resumptionAttempts === undefined
        ? DEFAULT_RESUMPTION_ATTEMPTS
        : wholeNumber(f.resumptionAttempts, '--resumption-attempts', 1000),
    ticketAgeSeconds: f.ticketAge === undefined ? null : seconds(f.ticketAge, '--ticket-age'),
    samples: f.samples === undefined ? null : wholeNumber(f.samples, '--samples', 1000),
    samplePauseMs:
      f.samplePause === undefined || f.samplePause === '0'
        ? 0
        : wholeNumber(f.samplePause, '--sample-pause', 600_000),
    idempotent: f.idempotent ?? false,
    tls12: f.tls !== '1.3',
    explicit: fromPool !== null || fromConnectTo !== null || f.allAddresses === true || measured,
  };
}

/** The main probe goes to the pool's first member (its port too, for `ip:port` entries). */
export function withFirstMember(options: ProbeOptions, request: PoolRequest): ProbeOptions {
  const first = request.members?.[0];
  if (!first || request.source !== 'pool') return options;
  return { ...options, connectTo: first.ip, target: { ...options.target, port: first.port } };
}

/** The members to probe after the main report, or null when this is no pool probe. */
export function membersFor(
  request: PoolRequest,
  report: Report,
): { members: PoolMember[]; omitted: string[] } | null {
  const port = report.target.port;
  const all = request.members ?? report.target.resolved.map((ip) => poolMember(ip, port, port));
  const auto = request.members === null && request.allAddresses === undefined && all.length > 1;
  if (request.allAddresses === false && request.members === null) return null;
  if (!request.explicit && !auto) return null;
  return boundMembers(all, request.poolMax);
}
