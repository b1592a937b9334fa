/**
 * Reads one certificate into the report's CertificateInfo (RFC 5280 names) with
 * @peculiar/x509 for extensions and Node's X509Certificate for issuance checks.
 */
import 'reflect-metadata';
import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertificateInfo, KeyInfo } from '../report/model.js';

/** OIDs read here (RFC 5280 §4.2, RFC 7633 for the TLS Feature / must-staple extension). */
const OID = {
  tlsFeature: '1.3.6.1.5.5.7.1.24',
  aia: '1.3.6.1.5.5.7.1.1',
};

/** A certificate parsed once by both libraries. */
export interface ParsedCertificate {
  der: Buffer;
  node: NodeX509;
  peculiar: x509.X509Certificate;
}

/** Parses DER; returns null for bytes that are not a certificate. */
export function parseCertificateDer(der: Buffer): ParsedCertificate | null {
  try {
    return {
      der,
      node: new NodeX509(der),
      peculiar: new x509.X509Certificate(new Uint8Array(der)),
    };
  } catch {
    return null;
  }
}

/** Whether `issuer` issued `subject`: names chain and the signature verifies. */
export function issued(issuer: NodeX509, subject: NodeX509): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function keyInfo(node: NodeX509): KeyInfo {
  const key = node.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { type: 'RSA', bits: details.modulusLength ?? null };
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown';
      const bits = { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[curve] ?? null;
      return { type: 'EC', bits, curve };
    }
    case 'ed25519':
      return { type: 'Ed25519', bits: 256 };
    case 'ed448':
      return { type: 'Ed448', bits: 448 };
    default:
      return { type: 'unknown', bits: null };
  }
}

function accessUrls(cert: x509.X509Certificate): { ocsp: string[]; caIssuers: string[] } {
  const aia = cert.getExtension(x509.AuthorityInfoAccessExtension);
  const urls = (names: x509.GeneralName[] | undefined) =>
    (names ?? []).filter((n) => n.type === 'url').map((n) => n.value);
  if (!aia) return { ocsp: [], caIssuers: [] };
  return { ocsp: urls(aia.ocsp), caIssuers: urls(aia.caIssuers) };
}

/** RFC 7633: TLS Feature extension listing status_request (5) means must-staple. */
function mustStaple(cert: x509.X509Certificate): boolean {
  const ext = cert.extensions.find((e) => e.type === OID.tlsFeature);
  if (!ext) return false;
  // SEQUENCE OF INTEGER; status_request encodes as 02 01 05.
  return Buffer.from(ext.value).includes(Buffer.from([0x02, 0x01, 0x05]));
}

function sans(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return ext ? ext.names.items.map((n) => `${n.type === 'ip' ? 'IP' : 'DNS'}:${n.value}`) : [];
}

/**
 * Everything the report shows about one certificate. A field whose extension or key does not
 * decode gets an empty value and a line in `problems`: a malformed certificate is a finding.
 */
export function describeCertificate(c: ParsedCertificate, index: number): CertificateInfo {
  const problems: string[] = [];
  const read = <T>(what: string, fallback: T, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message.split('\n')[0]}`);
      return fallback;
    }
  };
  const urls = read('authorityInfoAccess', { ocsp: [], caIssuers: [] }, () =>
    accessUrls(c.peculiar),
  );
  const spki = read('subjectPublicKeyInfo', null, () =>
    c.node.publicKey.export({ type: 'spki', format: 'der' }),
  );
  return {
    index,
    subject: read('subject', '', () => c.peculiar.subject),
    issuer: read('issuer', '', () => c.peculiar.issuer),
    subjectAltNames: read('subjectAltName', [], () => sans(c.peculiar)),
    serialNumber: c.peculiar.serialNumber.toUpperCase(),
    notBefore: c.peculiar.notBefore.toISOString(),
    notAfter: c.peculiar.notAfter.toISOString(),
    key: read('subjectPublicKeyInfo', { type: 'unknown', bits: null }, () => keyInfo(c.node)),
    signatureAlgorithm: read('signatureAlgorithm', 'unknown', () => signatureName(c.peculiar)),
    sha256: createHash('sha256').update(c.der).digest('hex'),
    spkiSha256: spki ? createHash('sha256').update(spki).digest('hex') : '',
    bytes: c.der.length,
    isCA: read('basicConstraints', false, () => c.node.ca),
    selfSigned: issued(c.node, c.node),
    ocspUrls: urls.ocsp,
    caIssuerUrls: urls.caIssuers,
    mustStaple: read('tlsFeature', false, () => mustStaple(c.peculiar)),
    problems,
  };
}

function signatureName(cert: x509.X509Certificate): string {
  const alg = cert.signatureAlgorithm as { name?: string; hash?: { name?: string } };
  const hash = alg.hash?.name ? ` with ${alg.hash.name}` : '';
  return `${alg.name ?? 'unknown'}${hash}`;
}
