/**
 * Client credentials for mutual TLS: PEM cert/key or PKCS#12, loaded and checked before the
 * clock starts. Bad files and wrong passphrases are usage errors with one-line messages.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { describeError, type ErrorCode, TlsflightError } from '../errors.js';
import { type ParsedCertificate, parseCertificateDer } from './certificate.js';

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
    throw new TlsflightError('BAD_FILE', `cannot read ${what} ${path}: ${describeError(err)}`, {
      cause: err,
    });
  }
}

function pemBlocks(pem: string): Buffer[] {
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  return [...pem.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** Loads and validates a credential; throws TlsflightError on any problem. */
export function loadCredential(spec: CredentialSpec): Credential {
  const passphrase = spec.passphraseFile
    ? readFile(spec.passphraseFile, 'passphrase file')
        .toString('utf8')
        .replace(/\r?\n$/, '')
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
  check(options, { what: `${spec.cert} + ${spec.key}`, file: spec.key, pkcs12: false, passphrase });
  return { source: spec.cert, options, chain: chain as ParsedCertificate[] };
}

function loadPfx(path: string, passphrase: string | undefined): Credential {
  const pfx = readFile(path, 'PKCS#12 file');
  const options = { pfx, passphrase };
  const context = check(options, { what: path, file: path, pkcs12: true, passphrase });
  // The parsed context holds the certificate; read it back through a throwaway socket.
  const socket = new tls.TLSSocket(null as never, { secureContext: context });
  const der = socket.getCertificate() as { raw?: Buffer } | null;
  socket.destroy();
  const leaf = der?.raw ? parseCertificateDer(der.raw) : null;
  return { source: path, options, chain: leaf ? [leaf] : [] };
}

/** What a credential check names in its errors. */
interface CheckedFile {
  what: string;
  /** The file holding the key (the .p12 itself, or the --key file). */
  file: string;
  pkcs12: boolean;
  passphrase: string | undefined;
}

/** Builds a context once to surface key mismatch and passphrase errors now. */
function check(options: Credential['options'], f: CheckedFile): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (err) {
    throw credentialError(err, f);
  }
}

/** OpenSSL 3's "error:1C800064:Provider routines::bad decrypt" becomes "bad decrypt". */
function reason(err: unknown): string {
  return describeError(err).replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
}

type Problem = [ErrorCode, string];

function credentialError(err: unknown, f: CheckedFile): TlsflightError {
  const text = reason(err);
  const [code, message] =
    passphraseProblem(text, f) ?? pkcs12Problem(text, f) ?? keyProblem(text, f);
  return new TlsflightError(code, message, { cause: err });
}

/** TLS-FACTS: a wrong PKCS#12 passphrase throws "mac verify failure" without a code. */
function passphraseProblem(text: string, f: CheckedFile): Problem | null {
  if (!/mac verify failure|bad decrypt|interrupted or cancelled|bad password/i.test(text))
    return null;
  if (f.passphrase === undefined) {
    return [
      'BAD_PASSPHRASE',
      `cannot decrypt ${f.file}: it is encrypted and no --passphrase-file was given (${text})`,
    ];
  }
  return ['BAD_PASSPHRASE', `cannot decrypt ${f.what}: wrong passphrase (${text})`];
}

/** Node says "Unsupported PKCS12 PFX data" for RC2-40/3DES bags; only a .p12 can mean that. */
function pkcs12Problem(text: string, f: CheckedFile): Problem | null {
  if (!f.pkcs12) return null;
  if (/unsupported|RC2|legacy/i.test(text)) {
    // Two steps: piped, `pkcs12 -export` reads stdin for the key first and misses the cert.
    const reexport =
      `openssl pkcs12 -legacy -in ${f.file} -nodes -out plain.pem && openssl ` +
      `pkcs12 -export -in plain.pem -out new.p12`;
    const how =
      `re-export it ('${reexport}', then delete plain.pem) or run with ` +
      `NODE_OPTIONS=--openssl-legacy-provider`;
    return [
      'LEGACY_PKCS12',
      `cannot load ${f.file}: it uses legacy encryption (RC2/3DES) that OpenSSL 3 refuses by ` +
        `default; ${how} (${text})`,
    ];
  }
  if (/wrong tag|too long|not enough data/i.test(text)) {
    return ['BAD_CREDENTIALS', `cannot load ${f.file}: not a PKCS#12 file (${text})`];
  }
  return null;
}

function keyProblem(text: string, f: CheckedFile): Problem {
  if (/key values mismatch/i.test(text)) {
    return ['BAD_CREDENTIALS', `${f.what}: the key does not match the certificate`];
  }
  // OpenSSL 3's decoders answer "unsupported" when no key format fits the bytes.
  if (/unsupported|no start line/i.test(text)) {
    return ['BAD_CREDENTIALS', `cannot load ${f.file}: no PEM private key in it (${text})`];
  }
  return ['BAD_CREDENTIALS', `cannot load ${f.what}: ${text}`];
}
