/**
 * Local set-up done once per configuration and before any clock starts: trust store,
 * secure contexts (TLS-FACTS: one SecureContext per configuration), client credentials.
 */
import { constants, X509Certificate as NodeX509 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { describeError, TlsflightError } from '../errors.js';
import { type Credential, type CredentialSpec, loadCredential } from './credentials.js';

/** The configuration-level options of a probe. */
export interface SetupOptions {
  /** Extra trust anchors (PEM files). */
  caFiles: string[];
  tlsVersion?: '1.2' | '1.3';
  credentials: CredentialSpec[];
}

/** Contexts and trust material shared by every connection of one configuration. */
export interface ProbeSetup {
  base: tls.SecureContext;
  /** Tickets disabled, to test the TLS 1.2 session-ID cache alone. */
  readonly noTicket: tls.SecureContext;
  credentials: Array<{ credential: Credential; context: tls.SecureContext }>;
  /** Trust anchors, parsed on first use (after the handshakes). */
  anchors: () => NodeX509[];
}

let rootCache: NodeX509[] | null = null;

function readCaFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (err) {
    throw new TlsflightError('BAD_FILE', `cannot read CA file ${path}: ${describeError(err)}`, {
      cause: err,
    });
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0)
    throw new TlsflightError('BAD_FILE', `no PEM certificate in CA file ${path}`);
  for (const pem of pems) {
    try {
      new NodeX509(pem);
    } catch (err) {
      throw new TlsflightError(
        'BAD_FILE',
        `bad certificate in CA file ${path}: ${describeError(err)}`,
        { cause: err },
      );
    }
  }
  return pems;
}

function versions(
  v: SetupOptions['tlsVersion'],
): Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion'> {
  if (v === '1.2') return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
  if (v === '1.3') return { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
  return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
}

/** Builds everything a probe needs locally; throws TlsflightError on bad files. */
export function prepareSetup(options: SetupOptions): ProbeSetup {
  const extra = options.caFiles.flatMap(readCaFile);
  const ca = [...tls.rootCertificates, ...extra];
  const common = { ca, ...versions(options.tlsVersion) };
  const credentials = options.credentials.map((spec) => {
    const credential = loadCredential(spec);
    return { credential, context: tls.createSecureContext({ ...common, ...credential.options }) };
  });
  let anchors: NodeX509[] | null = null;
  let noTicket: tls.SecureContext | null = null;
  return {
    base: tls.createSecureContext(common),
    // Built on first use: only TLS 1.2 endpoints need it, and each context parses every root.
    get noTicket() {
      noTicket ??= tls.createSecureContext({
        ...common,
        secureOptions: constants.SSL_OP_NO_TICKET,
      });
      return noTicket;
    },
    credentials,
    anchors: () => {
      rootCache ??= tls.rootCertificates.map((pem) => new NodeX509(pem));
      anchors ??= [...rootCache, ...extra.map((pem) => new NodeX509(pem))];
      return anchors;
    },
  };
}
