/**
 * What one terminator served on a full handshake, read exactly as the main probe reads its own
 * connection: the chain as sent (not Node's verified path) and the staple checked against it.
 */
import { issuerOf, sentCertificates } from '../probe.js';
import { describeCertificate } from '../probes/certificate.js';
import { analyzeChain } from '../probes/chain.js';
import type { ConnectionOutcome } from '../probes/connection.js';
import { analyzeStapling } from '../probes/stapling.js';
import type { CertificateInfo, ChainInfo, StaplingInfo } from '../report/model.js';
import type { PoolContext } from './connect.js';

/** The leaf, the chain verdict and the staple verdict of one connection. */
export interface Served {
  leaf: CertificateInfo | null;
  chain: ChainInfo | null;
  stapling: StaplingInfo;
}

/** Analyses the certificates and staple of `o` (findings stay with the main report's). */
export function servedBy(ctx: PoolContext, o: ConnectionOutcome): Served {
  const certs = sentCertificates(o);
  const leaf = certs[0] ? describeCertificate(certs[0], 0) : null;
  const now = ctx.deps.now();
  const chain = analyzeChain({
    certificates: certs,
    certificateMessageBytes: o.transcript.certificateMessageBytes,
    anchors: ctx.setup.anchors,
    authorized: o.authorized,
    authorizationError: o.authorizationError,
    hostname: ctx.servername ?? ctx.options.target.host,
    now,
    expiryWarningDays: ctx.options.expiryWarningDays,
  }).chain;
  const stapling = analyzeStapling({
    requested: true,
    staple: o.transcript.staple ?? o.ocspEvent,
    leaf: certs[0] ?? null,
    issuerDer: issuerOf(certs, ctx.setup)?.der ?? null,
    mustStaple: leaf?.mustStaple ?? false,
    ocspUrls: leaf?.ocspUrls ?? [],
    now,
  }).stapling;
  return { leaf, chain, stapling };
}
