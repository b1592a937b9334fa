/**
 * Misbehaving servers for the hostile-server tests, each a real socket on 127.0.0.1:0: raw TCP
 * servers that say nothing, garbage, an alert or a reset, and relays in front of a real TLS
 * server that cut, trickle or rewrite what it sends. close() destroys every socket and timer.
 */
import http2 from 'node:http2';
import net from 'node:net';

/** A running hostile server. */
export interface HostileServer {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** A loopback TCP server that tracks its sockets and timers so close() never waits on a peer. */
export async function rawServer(
  handler: (socket: net.Socket, later: (fn: () => void, ms: number) => void) => void,
): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    handler(socket, (fn, ms) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts and never says a word. */
export const silentServer = () => rawServer(() => {});

/** Answers the ClientHello with `bytes` and then keeps the connection open. */
export const replyServer = (bytes: Buffer) =>
  rawServer((socket) => socket.once('data', () => socket.write(bytes)));

/** A fatal alert record (RFC 8446 §6): level 2, then the description code. */
export function alertRecord(description: number): Buffer {
  return Buffer.from([21, 3, 3, 0, 2, 2, description]);
}

/** Answers the ClientHello with a fatal alert, then closes. */
export const alertServer = (description: number) =>
  rawServer((socket) => socket.once('data', () => socket.end(alertRecord(description))));

/** Resets the connection (RST) at accept or after the ClientHello. */
export const resetServer = (when: 'accept' | 'client-hello') =>
  rawServer((socket) => {
    if (when === 'accept') socket.resetAndDestroy();
    else socket.once('data', () => socket.resetAndDestroy());
  });

/** How a relay treats what the upstream server sends. */
export interface RelayPlan {
  /** Forward only this many server bytes, then go silent (or close, with `thenClose`). */
  cutAfter?: number;
  thenClose?: boolean;
  /** Forward server bytes one at a time, this many ms apart. */
  trickleMs?: number;
  /** Rewrites each server TLS record (header included) before it is forwarded. */
  rewriteRecord?: (record: Buffer) => Buffer;
}

/** A relay in front of `upstreamPort` that misbehaves as planned on the server's side. */
export function relayServer(upstreamPort: number, plan: RelayPlan): Promise<HostileServer> {
  return rawServer((client, later) => {
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    upstream.on('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    client.pipe(upstream);
    const send = serverSide(client, plan, later);
    upstream.on('data', send);
  });
}

function serverSide(
  client: net.Socket,
  plan: RelayPlan,
  later: (fn: () => void, ms: number) => void,
): (chunk: Buffer) => void {
  if (plan.rewriteRecord) return recordRewriter(client, plan.rewriteRecord);
  let sent = 0;
  const queue: number[] = [];
  const trickle = () => {
    const byte = queue.shift();
    if (byte === undefined || client.destroyed) return;
    client.write(Buffer.from([byte]));
    later(trickle, plan.trickleMs!);
  };
  return (chunk) => {
    if (plan.trickleMs) {
      const idle = queue.length === 0;
      queue.push(...chunk.subarray(0, 64 * 1024));
      if (idle) trickle();
      return;
    }
    const limit = plan.cutAfter ?? Number.POSITIVE_INFINITY;
    const part = chunk.subarray(0, Math.max(0, limit - sent));
    sent += part.length;
    if (part.length) client.write(part);
    if (sent >= limit && plan.thenClose) client.end();
  };
}

/** Splits the server stream into TLS records and forwards each through `rewrite`. */
function recordRewriter(client: net.Socket, rewrite: (record: Buffer) => Buffer) {
  let pending = Buffer.alloc(0);
  return (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
      const length = 5 + pending.readUInt16BE(3);
      client.write(rewrite(pending.subarray(0, length)));
      pending = pending.subarray(length);
    }
  };
}

/** A TLS record of `type` carrying `payload`. */
export function tlsRecord(type: number, payload: Buffer): Buffer {
  const header = Buffer.from([type, 3, 3, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

/**
 * Replaces the body of a clear TLS 1.2 NewSessionTicket (RFC 5077 §3.3) with `body`; other
 * records pass unchanged. The server's Finished then no longer matches: the client must fail
 * cleanly, whatever the parser made of the ticket.
 */
export function ticketRewrite(body: Buffer): (record: Buffer) => Buffer {
  return (record) => {
    const isTicket =
      record[0] === 22 && record[5] === 4 && record.readUIntBE(6, 3) === record.length - 9;
    if (!isTicket) return record;
    const header = Buffer.from([
      4,
      body.length >> 16,
      (body.length >> 8) & 0xff,
      body.length & 0xff,
    ]);
    return tlsRecord(22, Buffer.concat([header, body]));
  };
}

/** An h2 server on 127.0.0.1:0 whose close() destroys every session (and so every stream). */
export async function h2Server(
  options: http2.SecureServerOptions,
  onStream: (stream: http2.ServerHttp2Stream) => void,
): Promise<HostileServer> {
  const server = http2.createSecureServer(options);
  const sessions = new Set<http2.Http2Session>();
  let accepted = 0;
  server.on('session', (session) => {
    accepted += 1;
    sessions.add(session);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', onStream);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Calls `fn` every `ms` until `emitter` closes: a response that never ends. */
export function everyUntilClosed(
  emitter: { once(event: 'close', fn: () => void): unknown },
  ms: number,
  fn: () => void,
) {
  const timer = setInterval(fn, ms);
  emitter.once('close', () => clearInterval(timer));
}
