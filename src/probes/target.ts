/** Parses `host[:port]` targets and resolves names, with a replaceable resolver. */
import dns from 'node:dns/promises';
import net from 'node:net';
import { describeError, TlsflightError } from '../errors.js';

/** A target as the user wrote it. */
export interface TargetSpec {
  host: string;
  port: number;
}

/** Resolves a name to addresses; tests pass their own. */
export type Resolver = (host: string) => Promise<string[]>;

/** Parses `host`, `host:port`, `[v6]:port` or an https:// URL. */
export function parseTarget(text: string, defaultPort = 443): TargetSpec {
  const raw = text
    .trim()
    .replace(/^https:\/\//i, '')
    .replace(/\/.*$/, '');
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw) ?? /^([^:]+)(?::(\d+))?$/.exec(raw);
  const bareV6 = net.isIPv6(raw) ? [raw, raw, undefined] : null;
  const parts = bareV6 ?? m;
  if (!parts?.[1])
    throw new TlsflightError('BAD_TARGET', `bad target '${text}': expected host[:port]`);
  const port = parts[2] === undefined ? defaultPort : Number(parts[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TlsflightError('BAD_TARGET', `bad target '${text}': port must be 1-65535`);
  }
  const host = parts[1].toLowerCase();
  if (
    !net.isIP(host) &&
    !/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/.test(host)
  ) {
    throw new TlsflightError(
      'BAD_TARGET',
      `bad target '${text}': '${host}' is not a host name or IP address`,
    );
  }
  return { host, port };
}

/** The system resolver (getaddrinfo, as browsers and curl use), all addresses. */
export const systemResolver: Resolver = async (host) => {
  const answers = await dns.lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

/** Resolves with a one-line error naming the host when it fails. */
export async function resolveTarget(host: string, resolver: Resolver): Promise<string[]> {
  if (net.isIP(host)) return [host];
  try {
    const addresses = await resolver(host);
    if (addresses.length === 0) throw new Error('no addresses');
    return addresses;
  } catch (err) {
    throw new TlsflightError('DNS_FAILED', `cannot resolve ${host}: ${describeError(err)}`, {
      cause: err,
    });
  }
}
