/**
 * Helpers for the advice, rotation and diff tests: an HTTP/2 server on 127.0.0.1:0, rotating a
 * running server's identity in place (as a reload would), per-connection ticket keys, and
 * report copies altered field by field.
 */
import crypto from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type tls from 'node:tls';
import type { PoolAddressRow, PoolInfo, Report, StaplingState } from '../../src/report/model.js';

/** An HTTP/2 (and HTTP/1.1) TLS server on 127.0.0.1:0, closed after the test. */
export async function startH2Server(
  t: { after: TestContext['after'] },
  options: tls.TlsOptions & { staple?: Buffer },
): Promise<{ port: number; server: http2.Http2SecureServer }> {
  const { staple, ...tlsOptions } = options;
  const server = http2.createSecureServer({ ...tlsOptions, allowHTTP1: true }, (_req, res) =>
    res.end('ok\n'),
  );
  if (staple) server.on('OCSPRequest', (_c, _i, cb) => cb(null, staple));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, server };
}

/** Every new TCP connection gets fresh ticket keys: tickets are issued but never accepted. */
export function rotateTicketKeysPerConnection(server: tls.Server): void {
  server.on('connection', () => server.setTicketKeys(crypto.randomBytes(48)));
}

/** A deep copy of `report` changed by `edit` (a report derived from a real one). */
export function altered(report: Report, edit: (r: Report) => void): Report {
  const copy = structuredClone(report);
  edit(copy);
  return copy;
}

/** Writes `value` as JSON into `dir` and returns its path. */
export async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(value, null, 2));
  return file;
}

/** A pool row for a derived report: one terminator with the given staple state. */
export function poolRow(address: string, staple: StaplingState): PoolAddressRow {
  return {
    address,
    ip: address,
    port: 443,
    family: 4,
    error: null,
    leafSha256: 'aa',
    spkiSha256: 'bb',
    chainComplete: true,
    chainOrderCorrect: true,
    staple: {
      state: staple,
      present: staple !== 'missing',
      fresh: staple === 'good' ? true : null,
      forThisCertificate: staple === 'good' ? true : null,
    },
    tlsVersion: 'TLSv1.3',
    tlsVersions: ['TLSv1.3'],
    alpn: 'h2',
    ticketsIssued: 2,
    ticketLifetimeHintSeconds: 7200,
    maxEarlyData: null,
    clientAuth: 'none',
    roundTrips: 1,
    tlsMs: 2,
  };
}

/** A pool section for a derived report, with the given rows. */
export function poolOfRows(rows: PoolAddressRow[], patch: Partial<PoolInfo> = {}): PoolInfo {
  return {
    source: 'pool',
    sni: 'localhost',
    omitted: [],
    addresses: rows,
    inconsistencies: [],
    ticketMatrix: null,
    sessionIdMatrix: null,
    resumptionRate: null,
    ticketAge: null,
    earlyData: {
      address: null,
      advertised: false,
      maxEarlyData: null,
      result: 'not-tested',
      reason: 'no ticket advertised early data',
      request: 'HEAD / HTTP/1.1',
      idempotentDeclared: false,
    },
    staplingSamples: null,
    ...patch,
  };
}
