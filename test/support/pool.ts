/**
 * Pool fixtures: several local terminators on 127.0.0.1, each on its own port, standing in for
 * the addresses of one name. They are given as `--pool 127.0.0.1:p1,127.0.0.1:p2,...`, the
 * `ip:port` form the CLI accepts for exactly this; the main probe goes to the first.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type tls from 'node:tls';
import { defaultPoolDeps, type PoolDeps } from '../../src/pool/connect.js';
import { type PoolFlags, toPoolRequest, withFirstMember } from '../../src/pool/options.js';
import { probePoolIfAsked } from '../../src/pool/pool.js';
import { probeOptions, runProbe } from '../../src/probe.js';
import { prepareSetup } from '../../src/probes/setup.js';
import type { PoolInfo, Report } from '../../src/report/model.js';
import {
  type PkiFixture,
  type RunningServer,
  serverIdentity,
  startHttpsServer,
} from './fixtures.js';
import { type NginxOptions, type NginxServer, startNginx } from './nginx.js';

/** `--pool` text for local ports. */
export function poolFlag(ports: number[]): string {
  return ports.map((p) => `127.0.0.1:${p}`).join(',');
}

/** Probes the first port as `localhost`, then the pool of all ports, as the CLI does. */
export async function probeLocalPool(
  fx: PkiFixture,
  ports: number[],
  flags: PoolFlags = {},
  deps: Partial<PoolDeps> = {},
): Promise<{ report: Report; pool: PoolInfo }> {
  const target = { host: 'localhost', port: ports[0]! };
  const request = toPoolRequest({ pool: poolFlag(ports), ...flags }, target);
  const base = probeOptions(target, { alpn: ['http/1.1'], timeoutMs: 5000, resumption: false });
  const options = withFirstMember(base, request);
  const setup = prepareSetup({
    caFiles: [fx.files.ca!],
    credentials: [],
    tlsVersion: tlsOf(flags),
  });
  const report = await runProbe(options, setup);
  const pool = await probePoolIfAsked(report, request, options, setup, {
    ...defaultPoolDeps,
    ...deps,
  });
  if (!pool) throw new Error('the pool probe did not run');
  return { report, pool };
}

function tlsOf(flags: PoolFlags): '1.2' | '1.3' | undefined {
  return flags.tls === '1.2' || flags.tls === '1.3' ? flags.tls : undefined;
}

/** A fresh 48-byte ticket key (Node's `ticketKeys`: name, HMAC secret, AES key). */
export function ticketKey(): Buffer {
  return randomBytes(48);
}

/** Starts a Node HTTPS terminator with the lab identity plus `options`. */
export function startTerminator(
  t: { after: TestContext['after'] },
  fx: PkiFixture,
  options: tls.TlsOptions & { staple?: Buffer | null } = {},
): Promise<RunningServer> {
  return startHttpsServer(t, { ...serverIdentity(fx.pki), ...options });
}

/** The resumed column of a matrix as "from>to=yes" strings, for compact assertions. */
export function matrixCells(m: PoolInfo['ticketMatrix']): string[] {
  return (m?.cells ?? []).map((c) => `${c.from}>${c.to}=${c.resumed}`);
}

/** Starts a private nginx with the lab identity (leaf + intermediate), closed after the test. */
export async function startPoolNginx(
  t: { after: TestContext['after'] },
  fx: PkiFixture,
  options: Partial<NginxOptions> = {},
): Promise<NginxServer> {
  const f = fx.files;
  const nginx = await startNginx({
    cert: f.leaf!,
    key: f.leafKey!,
    chain: f.intermediate!,
    ...options,
  });
  t.after(() => nginx.close());
  return nginx;
}
