/**
 * Client credentials for mutual TLS: PEM cert/key or PKCS#12, loaded and checked before the
 * clock starts. Bad files and wrong passphrases are usage errors with one-line messages.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { describeError, TlsflightError } from '../errors.js';
import { parseCertificateDer, type ParsedCertificate } from './certificate.js';

/** Where the user said the credential is. */
export interface CredentialSpec {
  cert?: string;
  key?: string;
  pfx?: string;
  passphraseFile?: string;
}

/** A loaded credential, ready for a secure context. */
export interface Credential {
  source: string;
  options: Pick<tls.SecureContextOptions, 'cert' | 'key' | 'pfx' | 'passphrase'>;
  /** The client certificate and any chain certificates in the same file(s). */
  chain: ParsedCertificate[];
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsflightError('BAD_FILE', `cannot read ${what} ${path}: ${describeError(err)}`, { cause: err });
  }
}

function pemBlocks(pem: string): Buffer[] {
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  return [...pem.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** Loads and validates a credential; throws TlsflightError on any problem. */
export function loadCredential(spec: CredentialSpec): Credential {
  const passphrase = spec.passphraseFile
    ? readFile(spec.passphraseFile, 'passphrase file').toString('utf8').replace(/\r?\n$/, '')
    : undefined;
  if (spec.pfx) return loadPfx(spec.pfx, passphrase);
  if (!spec.cert || !spec.key) {
    throw new TlsflightError('BAD_OPTION', '--cert and --key go together (or use --pfx)');
  }
  const cert = readFile(spec.cert, 'certificate file');
  const key = readFile(spec.key, 'key file');
  const chain = pemBlocks(cert.toString('latin1')).map(parseCertificateDer);
  if (chain.length === 0 || chain.some((c) => c === null)) {
    throw new TlsflightError('BAD_CREDENTIALS', `no PEM certificate in ${spec.cert}`);
  }
  const options = { cert, key, passphrase };
  check(options, `${spec.cert} + ${spec.key}`);
  return { source: spec.cert, options, chain: chain as ParsedCertificate[] };
}

function loadPfx(path: string, passphrase: string | undefined): Credential {
  const pfx = readFile(path, 'PKCS#12 file');
  const options = { pfx, passphrase };
  const context = check(options, path);
  // The parsed context holds the certificate; read it back through a throwaway socket.
  const socket = new tls.TLSSocket(null as never, { secureContext: context });
  const der = socket.getCertificate() as { raw?: Buffer } | null;
  socket.destroy();
  const leaf = der?.raw ? parseCertificateDer(der.raw) : null;
  return { source: path, options, chain: leaf ? [leaf] : [] };
}

/** Builds a context once to surface key mismatch and passphrase errors now. */
function check(options: Credential['options'], what: string): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (err) {
    throw credentialError(err, what);
  }
}

function credentialError(err: unknown, what: string): TlsflightError {
  const text = describeError(err);
  // TLS-FACTS: a wrong PKCS#12 passphrase throws "mac verify failure" without a code.
  if (/mac verify failure|bad decrypt|interrupted or cancelled|bad password/i.test(text)) {
    return new TlsflightError('BAD_PASSPHRASE', `cannot decrypt ${what}: wrong passphrase (${text})`, { cause: err });
  }
  if (/unsupported|RC2|legacy/i.test(text)) {
    return new TlsflightError('LEGACY_PKCS12',
      `cannot load ${what}: it uses legacy encryption (RC2/3DES) that OpenSSL 3 refuses by default; re-export it with 'openssl pkcs12 -legacy -in old.p12 -nodes | openssl pkcs12 -export -out new.p12' (${text})`,
      { cause: err });
  }
  if (/key values mismatch/i.test(text)) {
    return new TlsflightError('BAD_CREDENTIALS', `${what}: the key does not match the certificate`, { cause: err });
  }
  return new TlsflightError('BAD_CREDENTIALS', `cannot load ${what}: ${text}`, { cause: err });
}
