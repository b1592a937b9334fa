/**
 * The lab PKI: a server CA with its leaves, OCSP signers and client CAs, and the
 * issuance and file helpers (re-exported here so callers import one module).
 */

import { writePem } from './files.js';
import {
  type CertSpec,
  generateKeys,
  type IssuedCert,
  issueWithKeys,
  reuseKeyCertificate,
} from './issue.js';

export * from './files.js';
export * from './issue.js';

/** The whole lab PKI: one server CA with its leaves, OCSP signers and client CAs. */
export interface LabPki {
  root: IssuedCert;
  /** Issued by root; issues every server leaf and the delegated OCSP responder. */
  intermediate: IssuedCert;
  /** Server certificate: SANs, AIA caIssuers, AIA OCSP when an ocspUrl was given. */
  leaf: IssuedCert;
  mustStapleLeaf: IssuedCert;
  /** A leaf without AIA OCSP. */
  noOcspLeaf: IssuedCert;
  expiredLeaf: IssuedCert;
  /** Another leaf of the same intermediate ("a staple for a different certificate"). */
  otherLeaf: IssuedCert;
  /** Delegated OCSP responder (EKU ocspSigning) issued by the intermediate. */
  ocspResponder: IssuedCert;
  /** OCSP signer (EKU ocspSigning) issued by an unrelated CA: a bad delegation. */
  rogueResponder: IssuedCert;
  clientRoot: IssuedCert;
  clientRoot2: IssuedCert;
  /** clientAuth certificate from clientRoot. */
  client: IssuedCert;
  /** clientAuth certificate from clientRoot2. */
  client2: IssuedCert;
  /** clientAuth certificate from otherRoot, a CA no server trusts. */
  wrongClient: IssuedCert;
  /** An unrelated CA (issuer of rogueResponder and wrongClient). */
  otherRoot: IssuedCert;
}

/** Options of createLabPki. */
export interface LabPkiOptions {
  /** SANs of the server leaves; the first is also the common name. */
  hostnames?: string[];
  /** AIA OCSP URL of the leaves (except noOcspLeaf). */
  ocspUrl?: string;
  /** AIA caIssuers URL; default `<ocspUrl origin>/ca/issuer.cer`, else a .test placeholder. */
  caIssuersUrl?: string;
  keyType?: 'ec' | 'rsa';
}

type LabName = keyof LabPki;
const LAB_NAMES: LabName[] = [
  'root',
  'intermediate',
  'leaf',
  'mustStapleLeaf',
  'noOcspLeaf',
  'expiredLeaf',
  'otherLeaf',
  'ocspResponder',
  'rogueResponder',
  'clientRoot',
  'clientRoot2',
  'client',
  'client2',
  'wrongClient',
  'otherRoot',
];

/** Creates the lab PKI; all keys are generated in parallel. */
export async function createLabPki(opts: LabPkiOptions = {}): Promise<LabPki> {
  const keyList = await Promise.all(LAB_NAMES.map(() => generateKeys(opts.keyType)));
  const keys = Object.fromEntries(LAB_NAMES.map((n, i) => [n, keyList[i]!])) as Record<
    LabName,
    CryptoKeyPair
  >;
  const ca = (commonName: string, issuer?: IssuedCert, pathLength?: number) => ({
    commonName,
    issuer,
    isCA: true,
    pathLength,
  });
  const [root, clientRoot, clientRoot2, otherRoot] = await Promise.all([
    issueWithKeys(ca('tlsflight lab root'), keys.root),
    issueWithKeys(ca('tlsflight client CA 1'), keys.clientRoot),
    issueWithKeys(ca('tlsflight client CA 2'), keys.clientRoot2),
    issueWithKeys(ca('tlsflight unrelated root'), keys.otherRoot),
  ]);
  const intermediate = await issueWithKeys(
    ca('tlsflight lab intermediate', root, 0),
    keys.intermediate,
  );
  const roots = { root, intermediate, clientRoot, clientRoot2, otherRoot };
  const specs = leafSpecs(opts, roots);
  const issued = await Promise.all(
    Object.entries(specs).map(([n, spec]) => issueWithKeys(spec, keys[n as LabName])),
  );
  const leaves = Object.fromEntries(Object.keys(specs).map((n, i) => [n, issued[i]]));
  return { ...roots, ...leaves } as LabPki;
}

function leafSpecs(
  opts: LabPkiOptions,
  cas: Pick<LabPki, 'intermediate' | 'clientRoot' | 'clientRoot2' | 'otherRoot'>,
): Partial<Record<LabName, CertSpec>> {
  const sans = opts.hostnames ?? ['localhost', '127.0.0.1'];
  const server: CertSpec = {
    commonName: sans[0] ?? 'localhost',
    sans,
    issuer: cas.intermediate,
    extKeyUsage: ['serverAuth'],
    ocspUrl: opts.ocspUrl,
    caIssuersUrl: opts.caIssuersUrl ?? defaultCaIssuersUrl(opts.ocspUrl),
  };
  const day = 86400_000;
  const signer = (commonName: string, issuer: IssuedCert): CertSpec => ({
    commonName,
    issuer,
    extKeyUsage: ['ocspSigning'],
  });
  const client = (commonName: string, issuer: IssuedCert): CertSpec => ({
    commonName,
    issuer,
    extKeyUsage: ['clientAuth'],
  });
  return {
    leaf: server,
    mustStapleLeaf: { ...server, mustStaple: true },
    noOcspLeaf: { ...server, ocspUrl: undefined },
    expiredLeaf: {
      ...server,
      notBefore: new Date(Date.now() - 30 * day),
      notAfter: new Date(Date.now() - day),
    },
    otherLeaf: { ...server, commonName: `other.${server.commonName}` },
    ocspResponder: signer('tlsflight lab OCSP responder', cas.intermediate),
    rogueResponder: signer('tlsflight rogue OCSP responder', cas.otherRoot),
    client: client('tlsflight client 1', cas.clientRoot),
    client2: client('tlsflight client 2', cas.clientRoot2),
    wrongClient: client('tlsflight stray client', cas.otherRoot),
  };
}

/** caIssuers next to the responder (which serves the issuer there); else a reserved name. */
function defaultCaIssuersUrl(ocspUrl?: string): string {
  // RFC 2606 reserves .test: the placeholder can never reach a real host.
  return ocspUrl ? new URL('/ca/issuer.cer', ocspUrl).href : 'http://ca.tlsflight.test/issuer.cer';
}

/** Re-issues the OCSP-carrying leaves of `pki` with the same keys and a new AIA OCSP URL. */
export async function withOcspUrl(pki: LabPki, ocspUrl: string): Promise<LabPki> {
  const caIssuersUrl = defaultCaIssuersUrl(ocspUrl);
  const names = ['leaf', 'mustStapleLeaf', 'expiredLeaf', 'otherLeaf'] as const;
  const issued = await Promise.all(
    names.map((n) => reuseKeyCertificate(pki[n], { ocspUrl, caIssuersUrl })),
  );
  return { ...pki, ...Object.fromEntries(names.map((n, i) => [n, issued[i]])) };
}

/**
 * Writes every lab cert (`leaf.pem`, `must-staple-leaf.pem`, ...) and key (`leaf-key.pem`, ...)
 * plus chain.pem (leaf + intermediate), ca.pem (root), client-ca.pem (clientRoot) and
 * client-cas.pem (both client roots). Returns paths keyed `leaf`, `leafKey`, `chain`, `ca`,
 * `clientCa`, `clientCas`, ...
 */
export async function writeLabPki(pki: LabPki, dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const keys: Record<string, string> = {};
  for (const name of LAB_NAMES) {
    const base = name.replace(/[A-Z0-9]+/g, (m) => `-${m.toLowerCase()}`);
    files[`${base}.pem`] = pki[name].certPem;
    files[`${base}-key.pem`] = pki[name].keyPem;
    keys[`${base}.pem`] = name;
    keys[`${base}-key.pem`] = `${name}Key`;
  }
  Object.assign(files, {
    'chain.pem': pki.leaf.certPem + pki.intermediate.certPem,
    'ca.pem': pki.root.certPem,
    'client-ca.pem': pki.clientRoot.certPem,
    'client-cas.pem': pki.clientRoot.certPem + pki.clientRoot2.certPem,
  });
  Object.assign(keys, {
    'chain.pem': 'chain',
    'ca.pem': 'ca',
    'client-ca.pem': 'clientCa',
    'client-cas.pem': 'clientCas',
  });
  const written = await writePem(dir, files);
  return Object.fromEntries(Object.entries(written).map(([file, p]) => [keys[file]!, p]));
}
