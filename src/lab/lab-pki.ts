/**
 * The lab's PKI: generated on the spot, or with its CAs loaded from a folder a previous lab run
 * wrote (so `--ca DIR/ca.pem` stays valid across runs). Server and client certificates are
 * always issued fresh, because they name the OCSP responder of this run.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { describeError, TlsflightError } from '../errors.js';
import {
  createLabPki,
  type IssuedCert,
  type LabPki,
  reuseKeyCertificate,
  withOcspUrl,
} from '../pki/pki.js';

/** The lab PKI plus the leaves only the lab uses. */
export interface LabCertificates {
  pki: LabPki;
  /** Same key as pki.leaf, OCSP URL of the silent responder. */
  silentOcspLeaf: IssuedCert;
  /** Same key as pki.leaf with 600 extra SANs: a Certificate message past ~14 KB. */
  oversizedLeaf: IssuedCert;
}

const CA_NAMES = ['root', 'intermediate', 'clientRoot', 'clientRoot2', 'otherRoot'] as const;
type CaName = (typeof CA_NAMES)[number];

/** File base name writeLabPki uses for a PKI member (clientRoot2 → client-root-2). */
const fileBase = (name: string) => name.replace(/[A-Z0-9]+/g, (m) => `-${m.toLowerCase()}`);

/** Whether `dir` holds the CAs of an earlier lab run. */
export function hasLabCas(dir: string): boolean {
  return CA_NAMES.every((n) => existsSync(path.join(dir, `${fileBase(n)}-key.pem`)));
}

/** A fresh PKI, rebased on the CAs in `dir` when it has them. */
export async function basePki(dir: string | undefined): Promise<LabPki> {
  const fresh = await createLabPki();
  if (!dir || !hasLabCas(dir)) return fresh;
  const cas = {} as Record<CaName, IssuedCert>;
  for (const name of CA_NAMES) cas[name] = await loadIssued(dir, name);
  return rebase(fresh, cas);
}

/**
 * Re-issues every non-CA member of `fresh` under the loaded CA that stands where its issuer was.
 */
async function rebase(fresh: LabPki, cas: Record<CaName, IssuedCert>): Promise<LabPki> {
  const out: Record<string, IssuedCert> = { ...fresh, ...cas };
  for (const [name, cert] of Object.entries(fresh)) {
    if ((CA_NAMES as readonly string[]).includes(name)) continue;
    const issuerName = CA_NAMES.find((ca) => fresh[ca] === cert.spec.issuer);
    if (!issuerName) continue;
    out[name] = await reuseKeyCertificate(cert, { issuer: cas[issuerName] });
  }
  return out as unknown as LabPki;
}

/** Reads `<base>.pem` and `<base>-key.pem` back into an IssuedCert usable as an issuer. */
async function loadIssued(dir: string, name: CaName): Promise<IssuedCert> {
  const certPath = path.join(dir, `${fileBase(name)}.pem`);
  const keyPath = path.join(dir, `${fileBase(name)}-key.pem`);
  try {
    const certPem = readFileSync(certPath, 'latin1');
    const keyObject = crypto.createPrivateKey(readFileSync(keyPath, 'latin1'));
    const node = new crypto.X509Certificate(certPem);
    if (!node.checkPrivateKey(keyObject))
      throw new Error(`${keyPath} is not the key of ${certPath}`);
    const keys = await importKeys(keyObject);
    const certificate = new x509.X509Certificate(node.raw);
    const commonName = /CN=([^\n,]+)/.exec(node.subject)?.[1] ?? name;
    return {
      spec: { commonName, isCA: true },
      certificate,
      certPem: node.toString(),
      certDer: node.raw,
      keyPem: keyObject.export({ type: 'pkcs8', format: 'pem' }) as string,
      keys,
    };
  } catch (err) {
    throw new TlsflightError(
      'BAD_FILE',
      `cannot load lab CA ${name} from ${dir}: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** WebCrypto keys from a Node private key (Node 20 has no KeyObject#toCryptoKey). */
async function importKeys(key: crypto.KeyObject): Promise<CryptoKeyPair> {
  const algorithm =
    key.asymmetricKeyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const subtle = crypto.webcrypto.subtle;
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']),
    subtle.importKey('spki', spki, algorithm, true, ['verify']),
  ]);
  return { privateKey, publicKey } as CryptoKeyPair;
}

/** Points the leaves at the lab's responders and issues the lab-only leaves. */
export async function labCertificates(
  base: LabPki,
  ocspUrl: string,
  silentOcspUrl: string,
): Promise<LabCertificates> {
  const pki = await withOcspUrl(base, ocspUrl);
  const sans = pki.leaf.spec.sans ?? [];
  const many = Array.from({ length: 600 }, (_, i) => `san-${i}.lab.tlsflight.test`);
  const [silentOcspLeaf, oversizedLeaf] = await Promise.all([
    reuseKeyCertificate(pki.leaf, { ocspUrl: silentOcspUrl }),
    reuseKeyCertificate(pki.leaf, { sans: [...sans, ...many] }),
  ]);
  return { pki, silentOcspLeaf, oversizedLeaf };
}
