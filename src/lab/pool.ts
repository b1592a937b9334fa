/**
 * A pool of terminators behind one port: each new TCP connection goes to the next member in
 * turn, as a round-robin load balancer does. A probe's resumption attempt therefore lands on
 * another terminator than its first handshake, which shows whether ticket keys are shared.
 */
import net from 'node:net';
import type { Terminator } from './node-endpoint.js';

/** Starts the round-robin front for `members` on 127.0.0.1:0; closing it closes them too. */
export async function startPool(members: Terminator[]): Promise<Terminator> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const member = members[next++ % members.length]!;
    const upstream = net.connect({ host: '127.0.0.1', port: member.port, noDelay: true });
    client.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {}); // either side hanging up ends both below
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await Promise.all(members.map((m) => m.close()));
    },
  };
}
