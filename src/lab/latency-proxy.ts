/**
 * A userland TCP proxy that adds a fixed round-trip time between a client and a target, so the
 * lab and the tests can see how many round trips a handshake costs without kernel `netem`.
 *
 * Limit: the kernel completes the client's TCP handshake with this proxy at once (the listening
 * socket accepts before any userland code runs), so a client's measured TCP connect time does
 * not include the emulated RTT. Only bytes are delayed. That is why tlsflight estimates the RTT
 * from TLS flights under emulation rather than from the connect phase.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { TlsflightError } from '../errors.js';

/** Options of {@link startLatencyProxy}. */
export interface LatencyProxyOptions {
  /** Host the proxy connects to; loopback unless told otherwise. */
  targetHost?: string;
  targetPort: number;
  /** Emulated round-trip time; every chunk waits rttMs / 2 in each direction. */
  rttMs: number;
  listenHost?: string;
}

/** A running latency proxy. */
export interface LatencyProxy {
  readonly port: number;
  readonly host: string;
  /** Client connections accepted so far. */
  readonly connections: number;
  /** Stops listening and destroys every socket and pending timer. */
  close(): Promise<void>;
}

/** What travels down one direction of a connection, in order. */
type Segment = { kind: 'data'; chunk: Buffer } | { kind: 'end' } | { kind: 'reset' };

/** One direction of a connection: segments leave in arrival order, each `delayMs` late. */
class DelayLine {
  private readonly queue: { due: number; segment: Segment }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly delayMs: number,
    private readonly deliver: (segment: Segment) => void,
  ) {}

  push(segment: Segment): void {
    if (this.stopped) return;
    this.queue.push({ due: performance.now() + this.delayMs, segment });
    if (!this.timer) this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private arm(): void {
    const head = this.queue[0];
    if (!head) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.due - performance.now()));
  }

  // One timer per direction, always aimed at the queue head: order cannot change.
  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      this.deliver(this.queue.shift()!.segment);
    }
    this.arm();
  }
}

/** Applies a segment to the socket at the far end of a delay line. */
function deliverTo(from: net.Socket, to: net.Socket, segment: Segment): void {
  if (to.destroyed) return;
  if (segment.kind === 'end') {
    to.end();
  } else if (segment.kind === 'reset') {
    to.resetAndDestroy();
  } else if (!to.write(segment.chunk) && !from.isPaused()) {
    // Backpressure: stop reading the sender until the receiver drains.
    from.pause();
    to.once('drain', () => from.resume());
  }
}

/** Feeds everything `from` emits into `line`: data, a clean end, or a reset. */
function feed(from: net.Socket, line: DelayLine): void {
  let ended = false;
  from.on('data', (chunk: Buffer) => line.push({ kind: 'data', chunk }));
  from.on('end', () => {
    ended = true;
    line.push({ kind: 'end' });
  });
  // An error (ECONNRESET included) closes the socket; the peer then gets a reset.
  from.on('error', () => {});
  from.on('close', () => {
    if (!ended) line.push({ kind: 'reset' });
  });
}

/** Relays one accepted connection to the target through two delay lines. */
function relay(client: net.Socket, options: Required<LatencyProxyOptions>, live: Set<() => void>) {
  const half = options.rttMs / 2;
  // Read nothing from the client, so forward nothing, until the upstream connection exists.
  client.pause();
  client.setNoDelay(true);
  const upstream = net.connect({
    host: options.targetHost,
    port: options.targetPort,
    allowHalfOpen: true,
    noDelay: true,
  });
  upstream.once('connect', () => client.resume());

  const toUpstream = new DelayLine(half, (s) => deliverTo(client, upstream, s));
  const toClient = new DelayLine(half, (s) => deliverTo(upstream, client, s));
  feed(client, toUpstream);
  feed(upstream, toClient);

  const kill = () => {
    toUpstream.stop();
    toClient.stop();
    client.destroy();
    upstream.destroy();
  };
  live.add(kill);
  let open = 2;
  const closed = () => {
    open -= 1;
    if (open > 0) return;
    live.delete(kill);
    kill();
  };
  client.once('close', closed);
  upstream.once('close', closed);
}

/** Validates options and fills in the loopback defaults. */
function resolveOptions(options: LatencyProxyOptions): Required<LatencyProxyOptions> {
  const { targetPort, rttMs } = options;
  if (!Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65535) {
    throw new TlsflightError('BAD_OPTION', `latency proxy: invalid targetPort ${targetPort}`);
  }
  if (!Number.isFinite(rttMs) || rttMs < 0) {
    throw new TlsflightError('BAD_OPTION', `latency proxy: invalid rttMs ${rttMs}`);
  }
  return {
    targetHost: options.targetHost ?? '127.0.0.1',
    targetPort,
    rttMs,
    listenHost: options.listenHost ?? '127.0.0.1',
  };
}

/** Starts a proxy on an ephemeral port that forwards to the target with `rttMs` of added RTT. */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const resolved = resolveOptions(options);
  const live = new Set<() => void>();
  let connections = 0;
  // allowHalfOpen: a client's FIN must travel (delayed) to the target, not close both ways.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    connections += 1;
    relay(client, resolved, live);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, resolved.listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port, address } = server.address() as net.AddressInfo;
  return {
    port,
    host: address,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const kill of live) kill();
        live.clear();
      }),
  };
}
