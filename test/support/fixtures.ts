/**
 * Shared test fixtures: a lab PKI per test file, its PEM files in a temp folder, Node TLS
 * servers on 127.0.0.1:0 that always close, and a one-call probe of a local port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type tls from 'node:tls';
import { buildOcspResponse } from '../../src/pki/ocsp-response.js';
import { createLabPki, type LabPki, writeLabPki } from '../../src/pki/pki.js';
import { type ProbeOptions, probeOptions, runProbe } from '../../src/probe.js';
import { prepareSetup, type SetupOptions } from '../../src/probes/setup.js';
import type { Report } from '../../src/report/model.js';

/** Anything with node:test's `after`: a TestContext, a SuiteContext, or `{ after }`. */
export interface AfterHook {
  after(fn: () => unknown): void;
}

/** A lab PKI with its files written to a temp folder. */
export interface PkiFixture {
  pki: LabPki;
  dir: string;
  files: Record<string, string>;
}

/** Creates a PKI and writes it; the folder is removed after the test (or suite). */
export async function pkiFixture(t: AfterHook, ocspUrl?: string): Promise<PkiFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pki = await createLabPki({ ocspUrl });
  return { pki, dir, files: await writeLabPki(pki, dir) };
}

/**
 * The scope of a whole test file, for fixtures made at module level: what it registers is
 * undone once the file's tests are done (an `after` inside `before` would run too early).
 */
export const fileScope: AfterHook = { after: (fn) => after(() => fn()) };

/** One lab PKI for the whole test file; its folder goes when the file's tests are done. */
export function filePki(ocspUrl?: string): Promise<PkiFixture> {
  return pkiFixture(fileScope, ocspUrl);
}

/** A running server and how to stop it. */
export interface RunningServer {
  port: number;
  server: https.Server;
  close(): Promise<void>;
}

/**
 * Starts an HTTPS server on 127.0.0.1:0 answering 200 "ok"; `staple` (if given) is served on
 * every OCSPRequest. Closed after the test.
 */
export async function startHttpsServer(
  t: AfterHook,
  options: tls.TlsOptions & { staple?: Buffer | null; handler?: http.RequestListener },
): Promise<RunningServer> {
  const { staple, handler, ...tlsOptions } = options;
  const server = https.createServer(tlsOptions, handler ?? ((_req, res) => res.end('ok\n')));
  if (staple !== undefined)
    server.on('OCSPRequest', (_c, _i, cb) => cb(null, staple ?? Buffer.alloc(0)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  return { port: (server.address() as AddressInfo).port, server, close };
}

/** A good OCSP response for the lab leaf, signed by its issuer (the intermediate). */
export function goodStaple(pki: LabPki): Buffer {
  return buildOcspResponse({ leaf: pki.leaf, issuer: pki.intermediate, signer: pki.intermediate });
}

/** Leaf + intermediate + key of the lab PKI as server options. */
export function serverIdentity(pki: LabPki, leaf = pki.leaf): tls.TlsOptions {
  return { cert: leaf.certPem + pki.intermediate.certPem, key: leaf.keyPem };
}

/** Probes 127.0.0.1:port as `localhost`, trusting the lab root unless told otherwise. */
export async function probeLocal(
  port: number,
  fx: PkiFixture,
  overrides: Partial<ProbeOptions> = {},
  setup: Partial<SetupOptions> = {},
): Promise<Report> {
  const options = probeOptions(
    { host: 'localhost', port },
    { connectTo: '127.0.0.1', alpn: ['http/1.1'], timeoutMs: 5000, ...overrides },
  );
  return runProbe(options, prepareSetup({ caFiles: [fx.files.ca!], credentials: [], ...setup }));
}

/** Ids of the findings in a report. */
export function findingIds(report: Report): string[] {
  return report.findings.map((f) => f.id);
}
