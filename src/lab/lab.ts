/**
 * The lab: a set of endpoints on 127.0.0.1 (port 0), each behind a latency proxy when an RTT
 * is asked for, with a PKI made on the spot and a real OCSP responder (plus a silent one).
 * `startLab` is what the lab command, the demo, the tests and the benchmarks share.
 */
import crypto from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { IssuedCert, LabPki } from '../pki/pki.js';
import { writeLabPki } from '../pki/pki.js';
import { CATALOGUE, selectEndpoints } from './catalogue.js';
import { basePki, type LabCertificates, labCertificates } from './lab-pki.js';
import { startLatencyProxy } from './latency-proxy.js';
import { startNodeTerminator, type Terminator, type TerminatorMaterial } from './node-endpoint.js';
import { startOcspResponder } from './ocsp-responder.js';
import { needsOpenSsl, startOpenSslTerminator } from './openssl-endpoint.js';
import { startPool } from './pool.js';
import type { EndpointSpec } from './spec.js';
import { stapleFor } from './staples.js';

/** Options of startLab. */
export interface LabOptions {
  /** Emulated RTT for every endpoint and the OCSP responders; 0 (default) adds no delay. */
  rttMs?: number;
  /** Default: the catalogue. */
  endpoints?: EndpointSpec[];
  /** Start only these (by name). */
  only?: string[];
  /** Keep the PKI here (its CAs are reused when present); default: a temp folder, removed. */
  dir?: string;
}

/** A running lab endpoint. */
export interface LabEndpoint {
  name: string;
  spec: EndpointSpec;
  host: '127.0.0.1';
  /** Where clients connect: the latency proxy when the lab has an RTT. */
  port: number;
  /** The terminator (or pool front) itself, without delay. */
  serverPort: number;
  /** Name the certificates are issued for. */
  sni: string;
}

/** A running lab. */
export interface Lab {
  rttMs: number;
  dir: string;
  pki: LabPki;
  /** PEM paths from writeLabPki: ca, client, clientKey, client2, wrongClient, ... */
  files: Record<string, string>;
  ocsp: { url: string; silentUrl: string };
  endpoints: LabEndpoint[];
  /** The endpoint called `name` (throws for an unknown name). */
  endpoint(name: string): LabEndpoint;
  close(): Promise<void>;
}

type Closer = () => Promise<void>;

/** Starts the lab; on any failure everything started so far is stopped again. */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const rttMs = options.rttMs ?? 0;
  const all = options.endpoints ?? CATALOGUE;
  const specs = options.only?.length ? selectEndpoints(all, options.only) : all;
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'tlsflight-lab-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const closers: Closer[] = options.dir ? [] : [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {});
  };
  try {
    const base = await basePki(options.dir);
    const ocsp = await startResponders(base, rttMs, closers);
    const certs = await labCertificates(base, ocsp.url, ocsp.silentUrl);
    const files = await writeLabPki(certs.pki, dir);
    const endpoints: LabEndpoint[] = [];
    for (const spec of specs) endpoints.push(await startEndpoint(spec, certs, dir, rttMs, closers));
    const endpoint = (name: string) => {
      const [spec] = selectEndpoints(specs, [name]);
      return endpoints.find((e) => e.spec === spec)!;
    };
    return { rttMs, dir, pki: certs.pki, files, ocsp, endpoints, endpoint, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Puts a latency proxy in front of `port` when the lab has an RTT; returns the port to use. */
async function delayed(port: number, rttMs: number, closers: Closer[]): Promise<number> {
  if (rttMs <= 0) return port;
  const proxy = await startLatencyProxy({ targetPort: port, rttMs });
  closers.push(() => proxy.close());
  return proxy.port;
}

async function startResponders(base: LabPki, rttMs: number, closers: Closer[]) {
  const normal = await startOcspResponder({ issuer: base.intermediate });
  closers.push(() => normal.close());
  const silent = await startOcspResponder({ issuer: base.intermediate, mode: 'silent' });
  closers.push(() => silent.close());
  const url = `http://127.0.0.1:${await delayed(normal.port, rttMs, closers)}/`;
  const silentUrl = `http://127.0.0.1:${await delayed(silent.port, rttMs, closers)}/`;
  return { url, silentUrl };
}

async function startEndpoint(
  spec: EndpointSpec,
  certs: LabCertificates,
  dir: string,
  rttMs: number,
  closers: Closer[],
): Promise<LabEndpoint> {
  const material = materialFor(spec, certs);
  const terminator = await startTerminators(spec, material, dir);
  closers.push(() => terminator.close());
  const port = await delayed(terminator.port, rttMs, closers);
  const sni = certs.pki.leaf.spec.sans?.[0] ?? 'localhost';
  return { name: spec.name, spec, host: '127.0.0.1', port, serverPort: terminator.port, sni };
}

async function startTerminators(
  spec: EndpointSpec,
  m: TerminatorMaterial,
  dir: string,
): Promise<Terminator> {
  if (needsOpenSsl(spec)) return startOpenSslTerminator(spec, m, dir);
  if (spec.poolSize === 1) return startNodeTerminator(spec, m);
  const shared = crypto.randomBytes(48);
  const members: Terminator[] = [];
  try {
    for (let i = 0; i < spec.poolSize; i++) {
      const ticketKeys = spec.poolSharedKeys ? shared : crypto.randomBytes(48);
      members.push(await startNodeTerminator(spec, { ...m, ticketKeys }));
    }
  } catch (err) {
    await Promise.all(members.map((t) => t.close()));
    throw err;
  }
  return startPool(members);
}

function leafOf(spec: EndpointSpec, c: LabCertificates): IssuedCert {
  const leaves: Record<EndpointSpec['leaf'], IssuedCert> = {
    default: c.pki.leaf,
    'must-staple': c.pki.mustStapleLeaf,
    'no-ocsp': c.pki.noOcspLeaf,
    expired: c.pki.expiredLeaf,
    'silent-ocsp': c.silentOcspLeaf,
    oversized: c.oversizedLeaf,
  };
  return leaves[spec.leaf];
}

/** Certificates, key, staple and client CAs of one endpoint. */
export function materialFor(spec: EndpointSpec, c: LabCertificates): TerminatorMaterial {
  const { pki } = c;
  const leaf = leafOf(spec, c);
  const chains: Record<EndpointSpec['chain'], IssuedCert[]> = {
    ok: [leaf, pki.intermediate],
    'missing-intermediate': [leaf],
    'wrong-order': [leaf, pki.root, pki.intermediate],
    'extra-root': [leaf, pki.intermediate, pki.root],
  };
  const clientCas = spec.clientIssuers === 2 ? [pki.clientRoot, pki.clientRoot2] : [pki.clientRoot];
  return {
    chainPem: chains[spec.chain].map((cert) => cert.certPem).join(''),
    keyPem: leaf.keyPem,
    staple: stapleFor(spec.staple, leaf, pki),
    clientCasPem:
      spec.clientAuth === 'none' ? null : clientCas.map((cert) => cert.certPem).join(''),
  };
}
