/**
 * One lab terminator as a Node HTTPS (or h2) server on 127.0.0.1:0, configured from an
 * EndpointSpec: chain, staple, versions, groups, ALPN, tickets, session cache, client auth.
 */
import crypto from 'node:crypto';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import type { EndpointSpec } from './spec.js';

/** A running terminator. */
export interface Terminator {
  port: number;
  close(): Promise<void>;
}

/** What a terminator serves, prepared from the lab PKI. */
export interface TerminatorMaterial {
  /** Leaf first, then the chain as the spec wants it sent. */
  chainPem: string;
  keyPem: string;
  staple: Buffer | null;
  /** Trusted client CAs (PEM) when client auth is on. */
  clientCasPem: string | null;
  /** 48 bytes shared by a pool; absent: the server makes its own. */
  ticketKeys?: Buffer;
}

/** At most this many TLS 1.2 sessions are kept per terminator (a lab, not a server farm). */
const SESSION_CACHE_SIZE = 1000;

type Handler = (
  req: { url?: string },
  res: { setHeader(n: string, v: string): void; end(b: string): void },
) => void;

/** TLS options of the spec; Node ignores them when a secureContext is also passed. */
export function tlsOptions(spec: EndpointSpec, m: TerminatorMaterial): tls.TlsOptions {
  const required = spec.clientAuth === 'required';
  return {
    cert: m.chainPem,
    key: m.keyPem,
    minVersion: spec.minVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
    maxVersion: spec.maxVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
    ...(spec.groups ? { ecdhCurve: spec.groups } : {}),
    ...(spec.ticketLifetimeSeconds ? { sessionTimeout: spec.ticketLifetimeSeconds } : {}),
    ...(m.ticketKeys ? { ticketKeys: m.ticketKeys } : {}),
    secureOptions: spec.tickets ? 0 : crypto.constants.SSL_OP_NO_TICKET,
    requestCert: spec.clientAuth !== 'none',
    rejectUnauthorized: required,
    ...(m.clientCasPem && spec.clientAuth !== 'none' ? { ca: m.clientCasPem } : {}),
  };
}

function createServer(spec: EndpointSpec, options: tls.TlsOptions, handler: Handler): tls.Server {
  if (spec.alpn === 'h2') {
    return http2.createSecureServer(
      { ...options, allowHTTP1: true },
      handler,
    ) as unknown as tls.Server;
  }
  // Node's https server offers http/1.1 by default; an empty list negotiates no ALPN at all.
  const alpn = spec.alpn === 'none' ? { ALPNProtocols: [] as string[] } : {};
  return https.createServer({ ...options, ...alpn }, handler) as unknown as tls.Server;
}

/** Starts one terminator for `spec`. */
export async function startNodeTerminator(
  spec: EndpointSpec,
  m: TerminatorMaterial,
): Promise<Terminator> {
  const handler: Handler = (_req, res) => {
    res.setHeader('server', 'tlsflight-lab');
    res.end(`tlsflight lab endpoint ${spec.name}\n`);
  };
  const server = createServer(spec, tlsOptions(spec, m), handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Rotating on accept: the previous connection's ticket was sealed with keys now gone.
    if (spec.rotateTicketKeys) server.setTicketKeys(crypto.randomBytes(48));
  });
  server.on('tlsClientError', () => {}); // a probe hanging up mid-handshake is expected
  if (m.staple) {
    const staple = m.staple;
    server.on('OCSPRequest', (_cert, _issuer, cb) => cb(null, staple));
  }
  if (spec.sessionIdCache) addSessionCache(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** TLS-FACTS: a Node server resumes by session ID only with these two handlers. */
function addSessionCache(server: tls.Server): void {
  const cache = new Map<string, Buffer>();
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    if (cache.size >= SESSION_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(id.toString('hex'), data);
    done();
  });
  server.on(
    'resumeSession',
    (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
      done(null, cache.get(id.toString('hex')) ?? null);
    },
  );
}
