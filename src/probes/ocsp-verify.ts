/**
 * OCSP response verification (RFC 6960) for stapled responses and side trips. A bad
 * response is a finding: verifyOcspResponse never throws, it reports what it saw.
 */
import crypto from 'node:crypto';
import {
  CertID,
  id_pkix_ocsp_basic,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  type ResponderID,
  ResponseData,
  type SingleResponse,
  TBSRequest,
} from '@peculiar/asn1-ocsp';
import {
  AsnArray,
  AsnConvert,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  OctetString,
} from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AuthorityInfoAccessSyntax,
  Certificate,
  id_ad_ocsp,
  id_pe_authorityInfoAccess,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { describeError } from '../errors.js';
import type { StaplingInfo } from '../report/model.js';

/** What a response says and whether it holds up: the verdict fields of StaplingInfo. */
export type OcspVerdict = Pick<
  StaplingInfo,
  | 'certStatus'
  | 'revocationTime'
  | 'thisUpdate'
  | 'nextUpdate'
  | 'producedAt'
  | 'ageSeconds'
  | 'secondsLeft'
  | 'signer'
  | 'delegationValid'
  | 'signatureValid'
  | 'certIdMatches'
  | 'error'
>;

/** Hash algorithms a CertID may name (RFC 6960 uses SHA-1; SHA-2 seen in the field). */
const CERT_ID_HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const HASH_OIDS: Record<string, string> = Object.fromEntries(
  Object.entries(CERT_ID_HASHES).map(([oid, name]) => [name, oid]),
);

/** Signature algorithms by OID: digest for crypto.verify, 'pss' when RSASSA-PSS. */
const SIGNATURE_ALGORITHMS: Record<string, string | null> = {
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.113549.1.1.10': 'pss',
  '1.3.101.112': null, // Ed25519 takes no digest
};
const ID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

/** Any DER SEQUENCE as the raw bytes of its elements (to hash names exactly as encoded). */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Any })
class DerSequence extends AsnArray<ArrayBuffer> {}

/**
 * BasicOCSPResponse (RFC 6960 4.2.1) read in one pass: tbsResponseData parsed plus its bytes
 * as received (what was signed), certificates kept as received (never re-encoded).
 */
class BasicResponseView {
  @AsnProp({ type: ResponseData, raw: true }) tbsResponseData = new ResponseData();
  tbsResponseDataRaw?: ArrayBuffer;
  @AsnProp({ type: AlgorithmIdentifier }) signatureAlgorithm = new AlgorithmIdentifier();
  @AsnProp({ type: AsnPropTypes.BitString }) signature = new ArrayBuffer(0);
  @AsnProp({ type: DerSequence, context: 0, optional: true }) certs?: DerSequence;
}

/** The parts of a certificate OCSP needs, taken from its DER as encoded. */
interface CertFacts {
  der: Buffer;
  /** Contents of the serialNumber INTEGER. */
  serial: Buffer;
  subjectName: Buffer;
  issuerName: Buffer;
  spki: Buffer;
  /** Contents of the subjectPublicKey BIT STRING (what issuerKeyHash and byKey hash). */
  keyBits: Buffer;
}

// A raw view instead of a full Certificate parse: names must be hashed exactly as
// encoded, and the full parse costs milliseconds per certificate.
function certFacts(der: Buffer | ArrayBuffer): CertFacts {
  const [tbs] = AsnConvert.parse(der, DerSequence);
  const fields = AsnConvert.parse(tbs!, DerSequence).map((f) => Buffer.from(f));
  const o = fields[0]![0] === 0xa0 ? 1 : 0; // [0] version is optional
  const spki = fields[5 + o]!;
  return {
    der: Buffer.from(der as ArrayBuffer),
    serial: derContents(fields[o]!),
    issuerName: fields[2 + o]!,
    subjectName: fields[4 + o]!,
    spki,
    keyBits: Buffer.from(AsnConvert.parse(spki, SubjectPublicKeyInfo).subjectPublicKey),
  };
}

/** The contents of one DER element (X.690 8.1.3: short or long form length). */
function derContents(tlv: Buffer): Buffer {
  const first = tlv[1]!;
  return tlv.subarray(first < 0x80 ? 2 : 2 + (first & 0x7f));
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

const digest = (hash: string, data: Buffer) => crypto.createHash(hash).update(data).digest();

/** The CertID (RFC 6960 4.1.1) of `leafDer` under `issuerDer`; SHA-1 unless told. */
export function certIdFor(
  leafDer: Buffer,
  issuerDer: Buffer,
  hash: 'sha1' | 'sha256' = 'sha1',
): CertID {
  const leaf = certFacts(leafDer);
  const issuer = certFacts(issuerDer);
  return new CertID({
    // SHA-1 carries NULL parameters, as OpenSSL writes them.
    hashAlgorithm: new AlgorithmIdentifier({
      algorithm: HASH_OIDS[hash]!,
      parameters: hash === 'sha1' ? new Uint8Array([5, 0]).buffer : undefined,
    }),
    issuerNameHash: new OctetString(digest(hash, issuer.subjectName)),
    issuerKeyHash: new OctetString(digest(hash, issuer.keyBits)),
    serialNumber: new Uint8Array(leaf.serial).buffer,
  });
}

/** A DER OCSPRequest for one certificate, without nonce (what browsers send). */
export function buildOcspRequest(leafDer: Buffer, issuerDer: Buffer): Buffer {
  const request = new Request({ reqCert: certIdFor(leafDer, issuerDer) });
  const tbsRequest = new TBSRequest({ requestList: [request] });
  return Buffer.from(AsnConvert.serialize(new OCSPRequest({ tbsRequest })));
}

/** OCSP responder URLs from the certificate's AIA extension; [] when none or unparsable. */
export function ocspUrlsOf(certDer: Buffer): string[] {
  try {
    const cert = AsnConvert.parse(certDer, Certificate);
    const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === id_pe_authorityInfoAccess);
    if (!ext) return [];
    const aia = AsnConvert.parse(ext.extnValue.buffer, AuthorityInfoAccessSyntax);
    return [...aia]
      .filter((a) => a.accessMethod === id_ad_ocsp && a.accessLocation.uniformResourceIdentifier)
      .map((a) => a.accessLocation.uniformResourceIdentifier!);
  } catch {
    return [];
  }
}

/** How a CertID relates to the leaf: true, false, or null when it cannot be told. */
function certIdMatch(id: CertID, leaf: CertFacts, issuer: CertFacts | null): boolean | null {
  if (!stripZeros(Buffer.from(id.serialNumber)).equals(stripZeros(leaf.serial))) return false;
  const hash = CERT_ID_HASHES[id.hashAlgorithm.algorithm];
  if (!hash) return null;
  const name = issuer?.subjectName ?? leaf.issuerName;
  if (!digest(hash, name).equals(Buffer.from(id.issuerNameHash.buffer))) return false;
  if (!issuer) return null;
  return digest(hash, issuer.keyBits).equals(Buffer.from(id.issuerKeyHash.buffer));
}

/** A verdict with nothing read yet: every field null. */
export const NO_VERDICT: OcspVerdict = {
  certStatus: null,
  revocationTime: null,
  thisUpdate: null,
  nextUpdate: null,
  producedAt: null,
  ageSeconds: null,
  secondsLeft: null,
  signer: null,
  delegationValid: null,
  signatureValid: null,
  certIdMatches: null,
  error: null,
};

const failed = (error: string): OcspVerdict => ({ ...NO_VERDICT, error });

/**
 * Reads and checks an OCSP response for `leafDer` (issuer null when the server did not send
 * it). Never throws: a malformed response sets `error` and leaves the rest null. Times are
 * reported raw (ageSeconds, secondsLeft); judging them is the caller's business.
 */
export function verifyOcspResponse(
  der: Buffer,
  leafDer: Buffer,
  issuerDer: Buffer | null,
  now: Date = new Date(),
): OcspVerdict {
  try {
    return verify(der, leafDer, issuerDer, now);
  } catch (err) {
    return failed(`malformed OCSP response: ${describeError(err)}`);
  }
}

function verify(der: Buffer, leafDer: Buffer, issuerDer: Buffer | null, now: Date): OcspVerdict {
  const basic = parseBasic(der); // throws on malformed DER: reported by the caller
  if (typeof basic === 'string') return failed(basic);
  const certs = readCertificates(leafDer, issuerDer);
  if (typeof certs === 'string') return failed(certs);
  const { leaf, issuer } = certs;

  const single = pickSingle(basic.tbsResponseData.responses, leaf, issuer);
  if (!single) return failed('malformed OCSP response: no SingleResponse');
  return {
    ...statusOf(single.response),
    ...timesOf(single.response, basic.tbsResponseData.producedAt, now),
    ...signatureVerdict(basic, leaf, issuer),
    certIdMatches: single.match,
    error: null,
  };
}

function readCertificates(leafDer: Buffer, issuerDer: Buffer | null) {
  try {
    return { leaf: certFacts(leafDer), issuer: issuerDer ? certFacts(issuerDer) : null };
  } catch (err) {
    return `cannot parse certificate: ${describeError(err)}`;
  }
}

/** Who signed, whether they may, and whether the signature holds. */
function signatureVerdict(
  basic: BasicResponseView,
  leaf: CertFacts,
  issuer: CertFacts | null,
): Pick<OcspVerdict, 'signer' | 'delegationValid' | 'signatureValid'> {
  const certs = (basic.certs ?? []).flatMap((c) => tryCertFacts(c));
  const { role, cert } = findSigner(basic.tbsResponseData.responderID, leaf, issuer, certs);
  const tbs = Buffer.from(basic.tbsResponseDataRaw!);
  const signature = Buffer.from(basic.signature);
  const check = (c: CertFacts) =>
    signatureOk(tbs, basic.signatureAlgorithm.algorithm, signature, c);
  // An unidentified signer: valid only if some key at hand verifies it.
  const anyKey = () => {
    const known = [issuer, ...certs].filter((c) => c !== null);
    return known.length ? known.some(check) : null;
  };
  return {
    signer: role,
    delegationValid: role === 'delegated' ? delegationOk(cert!, issuer) : null,
    signatureValid: cert ? check(cert) : role === 'unknown' ? anyKey() : null,
  };
}

function parseBasic(der: Buffer): BasicResponseView | string {
  const response = AsnConvert.parse(der, OCSPResponse);
  const status = response.responseStatus;
  if (status !== OCSPResponseStatus.successful) {
    return `responseStatus ${OCSPResponseStatus[status] ?? status}`;
  }
  const bytes = response.responseBytes;
  if (!bytes) return 'malformed OCSP response: successful without responseBytes';
  if (bytes.responseType !== id_pkix_ocsp_basic) {
    return `unsupported OCSP responseType ${bytes.responseType}`;
  }
  return AsnConvert.parse(bytes.response.buffer, BasicResponseView);
}

function tryCertFacts(der: ArrayBuffer): CertFacts[] {
  try {
    return [certFacts(der)];
  } catch {
    return [];
  }
}

/** The SingleResponse for the leaf: a full CertID match first, then an undecidable one. */
function pickSingle(responses: SingleResponse[], leaf: CertFacts, issuer: CertFacts | null) {
  if (!responses.length) return null;
  const matches = responses.map((r) => certIdMatch(r.certID, leaf, issuer));
  let i = matches.indexOf(true);
  if (i < 0) i = matches.indexOf(null);
  if (i < 0) i = 0;
  return { response: responses[i]!, match: matches[i]! };
}

function statusOf(single: SingleResponse): Pick<OcspVerdict, 'certStatus' | 'revocationTime'> {
  const s = single.certStatus;
  if (s.revoked) return { certStatus: 'revoked', revocationTime: iso(s.revoked.revocationTime) };
  if (s.good === null) return { certStatus: 'good', revocationTime: null };
  return { certStatus: 'unknown', revocationTime: null };
}

function timesOf(single: SingleResponse, producedAt: Date, now: Date) {
  const seconds = (ms: number) => Math.round(ms / 1000);
  const thisUpdate = iso(single.thisUpdate);
  const nextUpdate = iso(single.nextUpdate);
  return {
    thisUpdate,
    nextUpdate,
    producedAt: iso(producedAt),
    ageSeconds: thisUpdate ? seconds(now.getTime() - single.thisUpdate.getTime()) : null,
    secondsLeft: nextUpdate ? seconds(single.nextUpdate!.getTime() - now.getTime()) : null,
  };
}

function iso(date: Date | undefined): string | null {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

type SignerRole = 'issuer' | 'delegated' | 'unknown';

/** RFC 6960 4.2.2.2: the issuer itself, or a certificate in `certs` named by responderID. */
function findSigner(
  id: ResponderID,
  leaf: CertFacts,
  issuer: CertFacts | null,
  certs: CertFacts[],
): { role: SignerRole; cert: CertFacts | null } {
  if (issuer && isResponder(id, issuer)) return { role: 'issuer', cert: issuer };
  const cert = certs.find((c) => isResponder(id, c));
  if (cert) {
    // Without the issuer, a cert named like the leaf's issuer is taken as the issuer.
    const role = !issuer && cert.subjectName.equals(leaf.issuerName) ? 'issuer' : 'delegated';
    return { role, cert };
  }
  if (!issuer && id.byName && nameDer(id).equals(leaf.issuerName)) {
    return { role: 'issuer', cert: null };
  }
  return { role: 'unknown', cert: null };
}

function isResponder(id: ResponderID, cert: CertFacts): boolean {
  if (id.byKey) return digest('sha1', cert.keyBits).equals(Buffer.from(id.byKey.buffer));
  return !!id.byName && nameDer(id).equals(cert.subjectName);
}

const nameDer = (id: ResponderID) => Buffer.from(AsnConvert.serialize(id.byName));

/** A delegated responder needs EKU OCSPSigning and issuance by the leaf's issuer. */
function delegationOk(cert: CertFacts, issuer: CertFacts | null): boolean | null {
  if (!issuer) return null;
  const delegate = new crypto.X509Certificate(cert.der);
  const issuerCert = new crypto.X509Certificate(issuer.der);
  return (
    (delegate.keyUsage ?? []).includes(ID_KP_OCSP_SIGNING) &&
    delegate.checkIssued(issuerCert) &&
    delegate.verify(issuerCert.publicKey)
  );
}

/** crypto.verify over the tbsResponseData bytes as received (never re-encoded). */
function signatureOk(tbs: Buffer, oid: string, signature: Buffer, cert: CertFacts): boolean {
  const hash = SIGNATURE_ALGORITHMS[oid];
  if (hash === undefined) return false;
  try {
    const key = crypto.createPublicKey({ key: cert.spki, format: 'der', type: 'spki' });
    if (hash !== 'pss') return crypto.verify(hash, tbs, key, signature);
    // PSS parameters name the hash; trying the SHA-2 family with an auto salt is equivalent.
    const pss = {
      key,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO,
    };
    return ['sha256', 'sha384', 'sha512', 'sha1'].some((h) =>
      crypto.verify(h, tbs, pss, signature),
    );
  } catch {
    return false; // key type and algorithm disagree
  }
}
