/**
 * The terminators of a pool: where each one listens and how it is named to users. An entry is
 * an IP (the target's port) or `ip:port` / `[v6]:port`, so terminators on other ports (a test
 * on 127.0.0.1, a port-mapped edge) can stand in for the addresses of one name.
 */
import net from 'node:net';
import { TlsflightError } from '../errors.js';

/** One terminator of the pool. */
export interface PoolMember {
  ip: string;
  port: number;
  family: 4 | 6;
  /** The IP, or `ip:port` / `[v6]:port` when the port is not the target's. */
  label: string;
}

/** Builds a member; the label shows the port only when it differs from the target's. */
export function poolMember(ip: string, port: number, targetPort: number): PoolMember {
  const family = net.isIPv6(ip) ? 6 : 4;
  return { ip, port, family, label: port === targetPort ? ip : withPort(ip, port, family) };
}

function withPort(ip: string, port: number, family: 4 | 6): string {
  return family === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** When any member has its own port, every label shows one, so none reads as ambiguous. */
export function labelPorts(members: PoolMember[], targetPort: number): PoolMember[] {
  if (members.every((m) => m.port === targetPort)) return members;
  return members.map((m) => ({ ...m, label: withPort(m.ip, m.port, m.family) }));
}

/** Parses one pool entry: `ip`, `ip:port`, `[v6]` or `[v6]:port`; a bare v6 takes no port. */
export function parsePoolEntry(entry: string, targetPort: number, flag = '--pool'): PoolMember {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(text);
  const parts = bracketed ?? (net.isIPv6(text) ? [text, text, undefined] : v4);
  const ip = parts?.[1] ?? '';
  if (!net.isIP(ip)) {
    throw new TlsflightError(
      'BAD_OPTION',
      `bad ${flag} entry '${entry}': expected ip, ip:port or [v6]:port`,
    );
  }
  const port = parts?.[2] === undefined ? targetPort : Number(parts[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TlsflightError('BAD_OPTION', `bad ${flag} entry '${entry}': port must be 1-65535`);
  }
  return poolMember(ip, port, targetPort);
}

/** Parses a comma-separated --pool list. */
export function parsePoolList(list: string, targetPort: number): PoolMember[] {
  const entries = list.split(',').filter((e) => e.trim() !== '');
  if (entries.length === 0) {
    throw new TlsflightError('BAD_OPTION', `bad --pool '${list}': no address given`);
  }
  return labelPorts(
    entries.map((e) => parsePoolEntry(e, targetPort)),
    targetPort,
  );
}

/** Drops repeated entries and keeps the first `max`; the rest are returned as omitted. */
export function boundMembers(
  members: PoolMember[],
  max: number,
): { members: PoolMember[]; omitted: string[] } {
  const unique = members.filter(
    (m, i) => members.findIndex((o) => o.ip === m.ip && o.port === m.port) === i,
  );
  return {
    members: unique.slice(0, max),
    omitted: unique.slice(max).map((m) => m.label),
  };
}
