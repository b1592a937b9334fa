/**
 * The HTTP request made after the handshake, over the probe's own TLS socket so its timing
 * and capture stay intact: HTTP/1.1 through node:http, h2 through node:http2.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type tls from 'node:tls';
import { describeError } from '../errors.js';
import type { HttpInfo } from '../report/model.js';

/** What the probe asks for. */
export interface HttpPlan {
  authority: string;
  path: string;
  method: 'GET' | 'HEAD';
  /** Bodies beyond this are not read (the connection is closed). */
  maxBodyBytes: number;
  now: () => number;
}

/** What the exchange saw, filled as it goes. */
export interface HttpObservation {
  info: HttpInfo;
  requestSentAt: number | null;
  headersAt: number | null;
  endAt: number | null;
  bodyBytes: number;
}

/** A fresh observation with nothing seen yet. */
export function emptyHttpObservation(): HttpObservation {
  return {
    info: {
      protocol: null,
      status: null,
      statusText: null,
      server: null,
      altSvc: null,
      http3Advertised: false,
      error: null,
    },
    requestSentAt: null,
    headersAt: null,
    endAt: null,
    bodyBytes: 0,
  };
}

/** Returns the exchange function a ConnectionPlan runs after the handshake. */
export function httpExchange(plan: HttpPlan, obs: HttpObservation) {
  return (socket: tls.TLSSocket, deadline: number): Promise<void> => {
    const run = socket.alpnProtocol === 'h2' ? h2Request : h1Request;
    return withDeadline(run(socket, plan, obs), deadline - plan.now(), obs).catch((err) => {
      obs.info.error ??= describeError(err);
    });
  };
}

function withDeadline(work: Promise<void>, ms: number, obs: HttpObservation): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(
      () => {
        const phase = obs.headersAt === null ? 'no response headers' : 'response did not end';
        reject(new Error(`${phase} within ${Math.round(ms)} ms`));
      },
      Math.max(0, ms),
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function readHeaders(obs: HttpObservation, headers: http.IncomingHttpHeaders, status: number) {
  const altSvc = headers['alt-svc'];
  obs.info.status = status;
  obs.info.server = typeof headers.server === 'string' ? headers.server : null;
  obs.info.altSvc = typeof altSvc === 'string' ? altSvc : null;
  // RFC 9114 §3.1.1: h3 (or a draft h3-NN) in Alt-Svc advertises HTTP/3.
  obs.info.http3Advertised = /(^|[\s,])h3(-\d+)?=/.test(obs.info.altSvc ?? '');
}

function h1Request(socket: tls.TLSSocket, plan: HttpPlan, obs: HttpObservation): Promise<void> {
  obs.info.protocol = 'http/1.1';
  return new Promise((resolve, reject) => {
    const req = http.request({
      createConnection: () => socket,
      method: plan.method,
      path: plan.path,
      headers: { host: plan.authority, 'user-agent': 'tlsflight', connection: 'close' },
    });
    req.on('response', (res) => {
      obs.headersAt = plan.now();
      readHeaders(obs, res.headers, res.statusCode ?? 0);
      obs.info.statusText = res.statusMessage ?? null;
      res.on('data', (chunk: Buffer) => {
        obs.bodyBytes += chunk.length;
        if (obs.bodyBytes > plan.maxBodyBytes) res.destroy();
      });
      res.on('end', () => {
        obs.endAt = plan.now();
        resolve();
      });
      res.on('close', () => resolve());
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(() => {
      obs.requestSentAt = plan.now();
    });
  });
}

function h2Request(socket: tls.TLSSocket, plan: HttpPlan, obs: HttpObservation): Promise<void> {
  obs.info.protocol = 'h2';
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://${plan.authority}`, { createConnection: () => socket });
    session.on('error', reject);
    const req = session.request({ ':method': plan.method, ':path': plan.path });
    obs.requestSentAt = plan.now();
    req.on('response', (headers) => {
      obs.headersAt = plan.now();
      readHeaders(obs, headers as http.IncomingHttpHeaders, Number(headers[':status']));
    });
    req.on('data', (chunk: Buffer) => {
      obs.bodyBytes += chunk.length;
      if (obs.bodyBytes > plan.maxBodyBytes) req.close();
    });
    // A server refusing the client certificate after a TLS 1.3 handshake just closes: the
    // stream then ends without a response, which is an error, not an empty answer.
    const settle = () => {
      if (obs.headersAt === null) return reject(new Error('connection closed before a response'));
      obs.endAt ??= plan.now();
      session.close();
      resolve();
    };
    req.on('end', settle);
    req.on('close', settle);
    req.on('error', reject);
    req.end();
  });
}
