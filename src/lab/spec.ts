/**
 * What one lab endpoint is: every toggle the lab offers, with defaults that make a healthy
 * TLS 1.3 endpoint, and the reading of a `--config` file into such specs.
 */
import { readFileSync } from 'node:fs';
import { describeError, TlsflightError } from '../errors.js';

/** What the server staples (built fresh from the lab PKI at start). */
export const STAPLES = [
  'good',
  'revoked',
  'unknown',
  'expired',
  'not-yet-valid',
  'wrong-cert',
  'bad-signature',
  'delegated',
  'none',
] as const;
export type StapleKind = (typeof STAPLES)[number];

/** Which server certificate: the lab leaf or one of its faulty siblings. */
export const LEAVES = [
  'default',
  'must-staple',
  'no-ocsp',
  'expired',
  'silent-ocsp',
  'oversized',
] as const;
export type LeafKind = (typeof LEAVES)[number];

/** How the chain is sent after the leaf. */
export const CHAINS = ['ok', 'missing-intermediate', 'wrong-order', 'extra-root'] as const;
export type ChainKind = (typeof CHAINS)[number];

export const CLIENT_AUTH = ['none', 'optional', 'required'] as const;
export type ClientAuthKind = (typeof CLIENT_AUTH)[number];

export const ALPN = ['h2', 'http/1.1', 'none'] as const;
export type AlpnKind = (typeof ALPN)[number];

export type TlsVersion = '1.2' | '1.3';

/** One lab endpoint: a terminator (or a pool of them) on 127.0.0.1. */
export interface EndpointSpec {
  name: string;
  /** One line for the listing. */
  about: string;
  leaf: LeafKind;
  staple: StapleKind;
  chain: ChainKind;
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  /** OpenSSL group list; without X25519 first the probe's key share forces HelloRetryRequest. */
  groups: string | null;
  /** h2 offers h2 and http/1.1. */
  alpn: AlpnKind;
  tickets: boolean;
  /** Stateful session cache (TLS 1.2 session IDs). */
  sessionIdCache: boolean;
  /** New ticket keys on every TCP connection: tickets are issued, never accepted. */
  rotateTicketKeys: boolean;
  /** Session lifetime (the ticket's lifetime hint), seconds. */
  ticketLifetimeSeconds: number | null;
  /** A pool of terminators behind one round-robin port. */
  poolSize: number;
  /** Whether the pool's terminators share one set of ticket keys. */
  poolSharedKeys: boolean;
  clientAuth: ClientAuthKind;
  /** Trusted client CAs: 1 (client CA 1) or 2 (both, as during a rotation). */
  clientIssuers: 1 | 2;
}

/** The healthy endpoint every spec starts from. */
export const HEALTHY: Omit<EndpointSpec, 'name' | 'about'> = {
  leaf: 'default',
  staple: 'good',
  chain: 'ok',
  minVersion: '1.2',
  maxVersion: '1.3',
  groups: null,
  alpn: 'h2',
  tickets: true,
  sessionIdCache: false,
  rotateTicketKeys: false,
  ticketLifetimeSeconds: null,
  poolSize: 1,
  poolSharedKeys: true,
  clientAuth: 'none',
  clientIssuers: 1,
};

/** A spec from a name, a description and the toggles that differ from healthy. */
export function endpoint(
  name: string,
  about: string,
  changes: Partial<EndpointSpec> = {},
): EndpointSpec {
  return { name, about, ...HEALTHY, ...changes };
}

const bad = (where: string, why: string) =>
  new TlsflightError('BAD_OPTION', `bad lab config ${where}: ${why}`);

type Check = (v: unknown) => boolean;
const oneOf =
  (list: readonly unknown[]): Check =>
  (v) =>
    list.includes(v);
const isBool: Check = (v) => typeof v === 'boolean';
const version: Check = oneOf(['1.2', '1.3']);

/** Each field a config may set, with its check. */
const FIELDS: Record<keyof EndpointSpec, Check> = {
  name: (v) => typeof v === 'string' && /^[a-z0-9][a-z0-9.-]{0,40}$/.test(v),
  about: (v) => typeof v === 'string',
  leaf: oneOf(LEAVES),
  staple: oneOf(STAPLES),
  chain: oneOf(CHAINS),
  minVersion: version,
  maxVersion: version,
  groups: (v) => v === null || (typeof v === 'string' && /^[A-Za-z0-9:_-]+$/.test(v)),
  alpn: oneOf(ALPN),
  tickets: isBool,
  sessionIdCache: isBool,
  rotateTicketKeys: isBool,
  ticketLifetimeSeconds: (v) => v === null || (Number.isInteger(v) && (v as number) > 0),
  poolSize: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 16,
  poolSharedKeys: isBool,
  clientAuth: oneOf(CLIENT_AUTH),
  clientIssuers: oneOf([1, 2]),
};

/** Checks one config entry and fills in the healthy defaults. */
export function parseEndpoint(raw: unknown, where: string): EndpointSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw bad(where, 'expected an object');
  const entry = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(entry)) {
    const check = FIELDS[key as keyof EndpointSpec];
    if (!check) throw bad(where, `unknown field '${key}'`);
    if (!check(value)) throw bad(where, `${key} ${JSON.stringify(value)} is not allowed`);
  }
  if (entry.name === undefined) throw bad(where, 'every endpoint needs a name');
  const spec = endpoint(
    entry.name as string,
    (entry.about as string) ?? 'from the config file',
    entry,
  );
  if (spec.minVersion > spec.maxVersion) throw bad(where, 'minVersion is above maxVersion');
  return spec;
}

/** Reads `{ "endpoints": [ {...}, ... ] }`: each entry overrides the healthy defaults. */
export function readLabConfig(path: string): EndpointSpec[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TlsflightError('BAD_FILE', `cannot read lab config ${path}: ${describeError(err)}`, {
      cause: err,
    });
  }
  const list = (doc as { endpoints?: unknown } | null)?.endpoints;
  if (!Array.isArray(list) || list.length === 0)
    throw bad(path, 'expected { "endpoints": [ ... ] }');
  const specs = list.map((e, i) => parseEndpoint(e, `${path} endpoints[${i}]`));
  const names = specs.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw bad(path, `endpoint name '${dup}' appears twice`);
  return specs;
}
