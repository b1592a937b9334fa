/** The lab's default endpoint set: one endpoint per toggle, each named after what it shows. */
import { TlsflightError } from '../errors.js';
import { type EndpointSpec, endpoint } from './spec.js';

/** Every endpoint `tlsflight lab` starts without a config file. */
export const CATALOGUE: EndpointSpec[] = [
  endpoint('healthy', 'TLS 1.3, valid staple, tickets, h2'),
  endpoint('tls12', 'TLS 1.2 only (two round trips), valid staple, tickets', { maxVersion: '1.2' }),
  endpoint('hrr', 'TLS 1.3 with P-256 only: HelloRetryRequest for an X25519 client', {
    groups: 'P-256',
  }),
  endpoint('alpn-none', 'no ALPN negotiated', { alpn: 'none' }),
  endpoint('alpn-http1', 'ALPN http/1.1 only', { alpn: 'http/1.1' }),

  endpoint('staple-revoked', 'staple says revoked', { staple: 'revoked' }),
  endpoint('staple-unknown', 'staple says unknown', { staple: 'unknown' }),
  endpoint('staple-expired', 'staple past its nextUpdate', { staple: 'expired' }),
  endpoint('staple-not-yet-valid', 'staple with thisUpdate in the future', {
    staple: 'not-yet-valid',
  }),
  endpoint('staple-wrong-cert', 'staple for another certificate', { staple: 'wrong-cert' }),
  endpoint('staple-bad-signature', 'staple signed by a wrong key', { staple: 'bad-signature' }),
  endpoint('staple-delegated', 'staple signed by a delegated OCSP responder', {
    staple: 'delegated',
  }),
  endpoint('no-staple', 'no staple, leaf names the lab OCSP responder', { staple: 'none' }),
  endpoint('must-staple', 'must-staple leaf, no staple', { leaf: 'must-staple', staple: 'none' }),
  endpoint('no-ocsp-url', 'leaf without an OCSP URL, no staple', {
    leaf: 'no-ocsp',
    staple: 'none',
  }),
  endpoint('ocsp-silent', 'no staple, leaf names a responder that never answers', {
    leaf: 'silent-ocsp',
    staple: 'none',
  }),

  endpoint('tickets-off', 'TLS 1.3 without tickets (openssl s_server -num_tickets 0)', {
    tickets: false,
    alpn: 'http/1.1',
  }),
  endpoint('no-staple-no-tickets', 'no staple and no tickets', {
    staple: 'none',
    tickets: false,
    alpn: 'http/1.1',
  }),
  endpoint('tls12-tickets-off', 'TLS 1.2, no tickets, no session cache', {
    maxVersion: '1.2',
    tickets: false,
  }),
  endpoint('tls12-session-cache', 'TLS 1.2, session-ID cache only', {
    maxVersion: '1.2',
    tickets: false,
    sessionIdCache: true,
  }),
  endpoint('rotating-keys', 'new ticket keys on every connection: tickets never accepted', {
    rotateTicketKeys: true,
  }),
  endpoint('short-lifetime', 'tickets with a 60 s lifetime', { ticketLifetimeSeconds: 60 }),
  endpoint('pool-shared', '3 terminators round-robin, shared ticket keys', { poolSize: 3 }),
  endpoint('pool-unshared', '3 terminators round-robin, each its own ticket keys', {
    poolSize: 3,
    poolSharedKeys: false,
  }),

  endpoint('mtls-optional', 'client certificate optional (client CA 1)', {
    clientAuth: 'optional',
  }),
  endpoint('mtls-required', 'client certificate required (client CA 1)', {
    clientAuth: 'required',
  }),
  endpoint('mtls-two-issuers', 'client certificate required, client CA 1 and 2 trusted', {
    clientAuth: 'required',
    clientIssuers: 2,
  }),
  endpoint('mtls-required-tls12', 'client certificate required, TLS 1.2', {
    clientAuth: 'required',
    maxVersion: '1.2',
  }),

  endpoint('chain-missing-intermediate', 'leaf sent without its intermediate', {
    chain: 'missing-intermediate',
  }),
  endpoint('chain-wrong-order', 'root sent before the intermediate', { chain: 'wrong-order' }),
  endpoint('chain-extra-root', 'root sent after the intermediate', { chain: 'extra-root' }),
  endpoint('expired-leaf', 'leaf past its notAfter', { leaf: 'expired', staple: 'none' }),
  endpoint('oversized-chain', 'leaf with 600 SANs: Certificate flight beyond the initial window', {
    leaf: 'oversized',
  }),
];

/** Picks endpoints by name from `specs`, in the order given. */
export function selectEndpoints(specs: EndpointSpec[], names: string[]): EndpointSpec[] {
  return names.map((name) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      const known = specs.map((s) => s.name).join(', ');
      throw new TlsflightError('BAD_OPTION', `unknown lab endpoint '${name}': known are ${known}`);
    }
    return spec;
  });
}
