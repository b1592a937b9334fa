/** The probe flags turned into ProbeOptions and SetupOptions, with one-line usage errors. */
import net from 'node:net';
import { TlsflightError } from '../errors.js';
import { type ProbeOptions, probeOptions } from '../probe.js';
import type { CredentialSpec } from '../probes/credentials.js';
import type { SetupOptions } from '../probes/setup.js';
import type { TargetSpec } from '../probes/target.js';
import { wholeNumber } from '../util/whole-number.js';
import type { ProbeFlags } from './probe-flags.js';
import { toRoundTripOptions } from './round-trip-flags.js';

/** Per-target probe options from flags. */
export function toProbeOptions(target: TargetSpec, f: ProbeFlags): ProbeOptions {
  const badConnectTo = f.connectTo?.find((ip) => !net.isIP(ip));
  if (badConnectTo !== undefined) {
    throw new TlsflightError(
      'BAD_OPTION',
      `bad --connect-to '${badConnectTo}': expected an IP address`,
    );
  }
  const alpn = f.alpn
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return probeOptions(target, {
    sni: f.sni ?? null,
    connectTo: f.connectTo?.[0],
    path: f.path.startsWith('/') ? f.path : `/${f.path}`,
    method: f.method as 'GET' | 'HEAD',
    alpn,
    timeoutMs: wholeNumber(f.timeout, '--timeout', 600_000),
    requestOcsp: f.ocsp,
    resumption: f.resumption,
    ...toRoundTripOptions(f),
  });
}

/** Configuration-level options (trust, version, credentials) from flags. */
export function toSetupOptions(f: ProbeFlags): SetupOptions {
  const credentials: CredentialSpec[] = [];
  if (f.cert || f.key || f.pfx) {
    credentials.push({ cert: f.cert, key: f.key, pfx: f.pfx, passphraseFile: f.passphraseFile });
  }
  if (f.clientCert.length !== f.clientKey.length) {
    throw new TlsflightError(
      'BAD_OPTION',
      'each --client-cert needs its --client-key, in the same order',
    );
  }
  f.clientCert.forEach((cert, i) => {
    credentials.push({ cert, key: f.clientKey[i], passphraseFile: f.passphraseFile });
  });
  return { caFiles: f.ca, tlsVersion: f.tls as SetupOptions['tlsVersion'], credentials };
}
