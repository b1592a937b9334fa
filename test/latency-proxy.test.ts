import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { startLatencyProxy } from '../src/lab/latency-proxy.js';
import { makeSelfSignedCert, startOpenSslServer } from './support/openssl-server.js';

const RTT_MS = 100;

/** Starts a loopback TCP server and returns it with its port. */
async function listen(handler: (socket: net.Socket) => void) {
  const server = net.createServer({ allowHalfOpen: true }, handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** (secureConnect - connect) of one handshake through `port`, in units of RTT_MS. */
async function handshakeRtts(port: number, maxVersion: tls.SecureVersion) {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion });
  let connectedAt = 0;
  socket.once('connect', () => {
    connectedAt = performance.now();
  });
  await once(socket, 'secureConnect');
  const rtts = (performance.now() - connectedAt) / RTT_MS;
  const protocol = socket.getProtocol();
  socket.destroy();
  return { rtts, protocol };
}

/** Median handshake cost in RTTs over three fresh handshakes. */
async function medianRtts(port: number, maxVersion: tls.SecureVersion) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await handshakeRtts(port, maxVersion));
  runs.sort((a, b) => a.rtts - b.rtts);
  return runs[1]!;
}

describe('latency proxy', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-latency-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a TLS 1.3 full handshake costs one emulated RTT and TLS 1.2 two', async (t) => {
    const { certPath, keyPath } = await makeSelfSignedCert(dir);
    const openssl = await startOpenSslServer(['-cert', certPath, '-key', keyPath, '-www']);
    t.after(() => openssl.close());
    const proxy = await startLatencyProxy({ targetPort: openssl.port, rttMs: RTT_MS });
    t.after(() => proxy.close());

    const tls13 = await medianRtts(proxy.port, 'TLSv1.3');
    assert.equal(tls13.protocol, 'TLSv1.3');
    assert.ok(tls13.rtts > 0.8 && tls13.rtts < 1.5, `TLS 1.3 took ${tls13.rtts} RTT`);

    const tls12 = await medianRtts(proxy.port, 'TLSv1.2');
    assert.equal(tls12.protocol, 'TLSv1.2');
    assert.ok(tls12.rtts > 1.8 && tls12.rtts < 2.6, `TLS 1.2 took ${tls12.rtts} RTT`);
    assert.equal(proxy.connections, 6);
  });

  test('a 1 MB body arrives intact and in order, and a half-close travels both ways', async (t) => {
    const echo = await listen((socket) => socket.pipe(socket));
    t.after(() => echo.server.close());
    const proxy = await startLatencyProxy({ targetPort: echo.port, rttMs: 20 });
    t.after(() => proxy.close());

    const body = randomBytes(1024 * 1024);
    const client = net.connect(proxy.port, '127.0.0.1');
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    client.end(body);
    await once(client, 'end');

    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(digest(Buffer.concat(received)), digest(body));
    assert.equal(proxy.connections, 1);
  });

  test('a reset by the target reaches the client as a reset', async (t) => {
    const target = await listen((socket) => socket.resetAndDestroy());
    t.after(() => target.server.close());
    const proxy = await startLatencyProxy({ targetPort: target.port, rttMs: 20 });
    t.after(() => proxy.close());

    const client = net.connect(proxy.port, '127.0.0.1');
    const [err] = await once(client, 'error');
    assert.equal((err as NodeJS.ErrnoException).code, 'ECONNRESET');
  });

  test('a reset by the client reaches the target as a reset', async (t) => {
    const seen: Promise<NodeJS.ErrnoException>[] = [];
    const target = await listen((socket) => {
      seen.push(new Promise((resolve) => socket.once('error', resolve)));
      socket.once('data', () => client.resetAndDestroy());
    });
    t.after(() => target.server.close());
    const proxy = await startLatencyProxy({ targetPort: target.port, rttMs: 20 });
    t.after(() => proxy.close());

    const client = net.connect(proxy.port, '127.0.0.1');
    client.on('error', () => {});
    client.write('hello');
    await once(target.server, 'connection');
    const err = await seen[0];
    assert.equal(err?.code, 'ECONNRESET');
  });

  test('close() cancels pending chunks and leaves no handle behind', async () => {
    const moduleUrl = new URL('../src/lab/latency-proxy.js', import.meta.url).href;
    // A 60 s RTT: a timer that survived close() would hold the child long past the kill below.
    const script = `
      import net from 'node:net';
      import { once } from 'node:events';
      const { startLatencyProxy } = await import(${JSON.stringify(moduleUrl)});
      const echo = net.createServer((s) => { s.on('error', () => {}); s.pipe(s); });
      echo.listen(0, '127.0.0.1');
      await once(echo, 'listening');
      const proxy = await startLatencyProxy({ targetPort: echo.address().port, rttMs: 60000 });
      const client = net.connect(proxy.port, '127.0.0.1');
      client.on('error', () => {});
      await once(client, 'connect');
      client.write('still in the delay line');
      await new Promise((r) => setTimeout(r, 50));
      await proxy.close();
      echo.close();
      client.destroy();
      console.log('closed', proxy.connections);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    const [code, signal] = await once(child, 'exit');
    clearTimeout(kill);
    assert.equal(signal, null, 'the child had to be killed: a handle outlived close()');
    assert.equal(code, 0);
    assert.equal(stdout.trim(), 'closed 1');
  });
});
