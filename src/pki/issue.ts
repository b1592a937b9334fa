/**
 * Certificate issuance for the lab, the demo and the tests: @peculiar/x509 over Node's
 * WebCrypto, ECDSA P-256 by default (a whole lab PKI in ~100-200 ms).
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import net from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(crypto.webcrypto as Crypto);

/** Extended key usages the lab issues. */
export type ExtKeyUsageName = 'serverAuth' | 'clientAuth' | 'ocspSigning';

/** What to put in a certificate; every field but commonName has a default. */
export interface CertSpec {
  commonName: string;
  /** DNS names or IP literals. */
  sans?: string[];
  /** Default ec (P-256); rsa is 2048 bits. */
  keyType?: 'ec' | 'rsa';
  /** Default: one hour ago (whole seconds). */
  notBefore?: Date;
  /** Default: 90 days from now (whole seconds). */
  notAfter?: Date;
  isCA?: boolean;
  pathLength?: number;
  extKeyUsage?: ExtKeyUsageName[];
  /** AIA id-ad-ocsp URL. */
  ocspUrl?: string;
  /** AIA id-ad-caIssuers URL. */
  caIssuersUrl?: string;
  /** TLS Feature extension (RFC 7633) asking for status_request. */
  mustStaple?: boolean;
  /** Absent: self-signed. */
  issuer?: IssuedCert;
  /** Hex; default 16 random bytes. */
  serialNumber?: string;
}

/** A certificate with its key, in every form a server or a test needs. */
export interface IssuedCert {
  /** The spec as issued, defaults filled in. */
  spec: CertSpec;
  certificate: x509.X509Certificate;
  certPem: string;
  certDer: Buffer;
  /** PKCS#8 PEM, unencrypted. */
  keyPem: string;
  keys: CryptoKeyPair;
}

const EKU_OIDS: Record<ExtKeyUsageName, string> = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
  ocspSigning: x509.ExtendedKeyUsage.ocspSigning,
};

/** RFC 7633 TLS Feature; the value is SEQUENCE { INTEGER 5 (status_request) }. */
const TLS_FEATURE_OID = '1.3.6.1.5.5.7.1.24';
const TLS_FEATURE_STATUS_REQUEST = Buffer.from('3003020105', 'hex');

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' };
const RSA_KEY = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

/** Drops milliseconds: fractional seconds confuse OpenSSL's time checks. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Generates an extractable signing key pair of the given type. */
export async function generateKeys(keyType: 'ec' | 'rsa' = 'ec'): Promise<CryptoKeyPair> {
  const params = keyType === 'rsa' ? RSA_KEY : EC_KEY;
  return crypto.webcrypto.subtle.generateKey(params, true, [
    'sign',
    'verify',
  ]) as Promise<CryptoKeyPair>;
}

/** Issues a certificate for `spec` with a fresh key. */
export async function issueCertificate(spec: CertSpec): Promise<IssuedCert> {
  return issueWithKeys(spec, await generateKeys(spec.keyType));
}

/** Issues a new certificate with the SAME key as `old` (a rotation: new leaf, same key). */
export async function reuseKeyCertificate(
  old: IssuedCert,
  changes: Partial<CertSpec>,
): Promise<IssuedCert> {
  const { serialNumber: _serial, ...rest } = old.spec;
  return issueWithKeys({ ...rest, ...changes }, old.keys);
}

/** Issues a certificate for `spec` over an existing key pair. */
export async function issueWithKeys(spec: CertSpec, keys: CryptoKeyPair): Promise<IssuedCert> {
  const now = Date.now();
  const full: CertSpec = {
    ...spec,
    keyType: keys.privateKey.algorithm.name === 'ECDSA' ? 'ec' : 'rsa',
    notBefore: wholeSeconds(spec.notBefore ?? new Date(now - 3600_000)),
    notAfter: wholeSeconds(spec.notAfter ?? new Date(now + 90 * 86400_000)),
    serialNumber: spec.serialNumber ?? randomSerial(),
  };
  const signingKeys = full.issuer?.keys ?? keys;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: full.serialNumber,
    subject: [{ CN: [full.commonName] }],
    issuer: full.issuer?.certificate.subjectName ?? [{ CN: [full.commonName] }],
    notBefore: full.notBefore,
    notAfter: full.notAfter,
    publicKey: keys.publicKey,
    signingKey: signingKeys.privateKey,
    signingAlgorithm: signingAlgorithmOf(signingKeys.privateKey),
    extensions: await extensionsFor(full, keys.publicKey, signingKeys.publicKey),
  });
  const certDer = Buffer.from(certificate.rawData);
  return {
    spec: full,
    certificate,
    certDer,
    certPem: new crypto.X509Certificate(certDer).toString(),
    keyPem: crypto.KeyObject.from(keys.privateKey).export({
      type: 'pkcs8',
      format: 'pem',
    }) as string,
    keys,
  };
}

/** A positive 128-bit serial without a leading zero byte, as lowercase hex. */
function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

function signingAlgorithmOf(key: CryptoKey): Algorithm | EcdsaParams {
  return key.algorithm.name === 'ECDSA'
    ? ({ name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams)
    : { name: 'RSASSA-PKCS1-v1_5' };
}

async function extensionsFor(
  spec: CertSpec,
  publicKey: CryptoKey,
  issuerKey: CryptoKey,
): Promise<x509.Extension[]> {
  const exts: x509.Extension[] = [
    new x509.BasicConstraintsExtension(!!spec.isCA, spec.pathLength, true),
    new x509.KeyUsagesExtension(keyUsageOf(spec), true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
  if (spec.issuer) exts.push(await x509.AuthorityKeyIdentifierExtension.create(issuerKey));
  if (spec.extKeyUsage?.length) {
    exts.push(new x509.ExtendedKeyUsageExtension(spec.extKeyUsage.map((u) => EKU_OIDS[u])));
  }
  if (spec.sans?.length) {
    const names = spec.sans.map((value) => ({ type: net.isIP(value) ? 'ip' : 'dns', value }));
    exts.push(new x509.SubjectAlternativeNameExtension(names as x509.JsonGeneralNames));
  }
  if (spec.ocspUrl || spec.caIssuersUrl) {
    exts.push(
      new x509.AuthorityInfoAccessExtension({
        ocsp: spec.ocspUrl ? [spec.ocspUrl] : [],
        caIssuers: spec.caIssuersUrl ? [spec.caIssuersUrl] : [],
      }),
    );
  }
  if (spec.mustStaple) {
    exts.push(new x509.Extension(TLS_FEATURE_OID, false, TLS_FEATURE_STATUS_REQUEST));
  }
  return exts;
}

function keyUsageOf(spec: CertSpec): x509.KeyUsageFlags {
  const F = x509.KeyUsageFlags;
  if (spec.isCA) return F.keyCertSign | F.cRLSign | F.digitalSignature;
  // RSA key exchange (TLS 1.2 RSA suites) encrypts to the leaf key.
  return spec.keyType === 'rsa' ? F.digitalSignature | F.keyEncipherment : F.digitalSignature;
}
