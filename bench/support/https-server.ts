/**
 * A Node HTTPS server for the benches, run as its own process: listens on 127.0.0.1:0, prints
 * `PORT n`, staples a fresh OCSP response, answers after `delayMs`, and on SIGTERM prints the
 * most requests it held at once (`MAX_IN_FLIGHT n`) and exits.
 *
 * Usage:
 *   node https-server.js '{"cert":"chain.pem","key":"key.pem","staple":"staple.der","delayMs":0}'
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  cert: string;
  key: string;
  staple?: string;
  delayMs?: number;
};
const staple = config.staple ? readFileSync(config.staple) : null;
let inFlight = 0;
let maxInFlight = 0;
const timers = new Set<NodeJS.Timeout>();

const server = https.createServer(
  { cert: readFileSync(config.cert), key: readFileSync(config.key) },
  (_req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const timer = setTimeout(() => {
      timers.delete(timer);
      inFlight -= 1;
      res.end('ok\n');
    }, config.delayMs ?? 0);
    timers.add(timer);
  },
);
if (staple) server.on('OCSPRequest', (_cert, _issuer, cb) => cb(null, staple));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  process.stdout.write(`MAX_IN_FLIGHT ${maxInFlight}\n`);
  for (const timer of timers) clearTimeout(timer);
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
