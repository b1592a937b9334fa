/**
 * Builds OCSP responses (RFC 6960) for the lab responder, stapling servers and tests,
 * including deliberately wrong ones (stale, foreign CertID, wrong signer).
 */
import crypto from 'node:crypto';
import {
  BasicOCSPResponse,
  type CertID,
  CertStatus,
  id_pkix_ocsp_basic,
  KeyHash,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, type Name } from '@peculiar/asn1-x509';
import type * as x509 from '@peculiar/x509';
import { TlsflightError } from '../errors.js';
import { certIdFor } from '../probes/ocsp-verify.js';
import { type IssuedCert, wholeSeconds } from './issue.js';

/** certStatus of a SingleResponse. */
export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

/** A certificate as issued here or as parsed by @peculiar/x509. */
export type CertLike = IssuedCert | x509.X509Certificate;

/** One SingleResponse given by its raw CertID (the responder echoes the request's). */
export interface OcspSingleSpec {
  certId: CertID;
  status: OcspCertStatus;
  revocationTime?: Date;
}

/** What to put in a response; defaults make a fresh, good, correctly signed one. */
export interface OcspResponseOptions {
  /** Certificate the response is about (unless `singles` is given). */
  leaf?: CertLike;
  /** The leaf's issuer: CertID hashes come from it. */
  issuer: IssuedCert;
  /** Who signs: the issuer, a delegated responder, or any wrong key. */
  signer: IssuedCert;
  /** Default 'good'. */
  status?: OcspCertStatus;
  /** For 'revoked'; default one hour before thisUpdate. */
  revocationTime?: Date;
  /** Default now. */
  thisUpdate?: Date;
  /** Default thisUpdate + 1 day; null leaves nextUpdate out. */
  nextUpdate?: Date | null;
  /** Default now. */
  producedAt?: Date;
  /** Put the signer's certificate in `certs`; default true unless the issuer signs. */
  includeSignerCert?: boolean;
  /** ResponderID form; default 'key' (RFC 5019 2.2.3). */
  responderId?: 'name' | 'key';
  /** Whom the ResponderID names; default the signer (set it to lie about the signer). */
  responderIdFrom?: IssuedCert;
  /** Make the CertID about something else: a serial override, another certificate, a hash. */
  certIdFor?: { serialNumber?: string; certificate?: CertLike; hashAlgorithm?: 'sha1' | 'sha256' };
  /** Extra 'good' SingleResponses placed before the leaf's. */
  alsoFor?: CertLike[];
  /** Replaces the SingleResponses derived from leaf/status. */
  singles?: OcspSingleSpec[];
}

/** Error statuses an OCSPResponse can carry without responseBytes. */
export type OcspErrorStatus = Exclude<keyof typeof OCSPResponseStatus, 'successful'>;

const DAY = 86400_000;
const SIGNATURE_OIDS = {
  ec: '1.2.840.10045.4.3.2', // ecdsa-with-SHA256, no parameters (RFC 5758)
  rsa: '1.2.840.113549.1.1.11', // sha256WithRSAEncryption, NULL parameters (RFC 4055)
};

/** The DER of an OCSPResponse wrapping a signed BasicOCSPResponse; all times whole seconds. */
export function buildOcspResponse(opts: OcspResponseOptions): Buffer {
  const now = new Date();
  const thisUpdate = wholeSeconds(opts.thisUpdate ?? now);
  const nextUpdate =
    opts.nextUpdate === null
      ? undefined
      : wholeSeconds(opts.nextUpdate ?? new Date(thisUpdate.getTime() + DAY));
  const singles = (opts.singles ?? singlesFor(opts)).map(
    (s) =>
      new SingleResponse({
        certID: s.certId,
        certStatus: certStatusOf(s, thisUpdate),
        thisUpdate,
        nextUpdate,
      }),
  );
  const tbsResponseData = new ResponseData({
    responderID: responderIdOf(opts.responderIdFrom ?? opts.signer, opts.responderId ?? 'key'),
    producedAt: wholeSeconds(opts.producedAt ?? now),
    responses: singles,
  });
  return wrap(signBasic(tbsResponseData, opts));
}

/** The DER of an unsuccessful OCSPResponse (tryLater, internalError, ...). */
export function buildErrorOcspResponse(status: OcspErrorStatus): Buffer {
  const response = new OCSPResponse({ responseStatus: OCSPResponseStatus[status] });
  return Buffer.from(AsnConvert.serialize(response));
}

function certDerOf(cert: CertLike): Buffer {
  return 'certDer' in cert ? cert.certDer : Buffer.from(cert.rawData);
}

function singlesFor(opts: OcspResponseOptions): OcspSingleSpec[] {
  const idFor = (cert: CertLike, hash: 'sha1' | 'sha256' = 'sha1') =>
    certIdFor(certDerOf(cert), opts.issuer.certDer, hash);
  const extra = (opts.alsoFor ?? []).map((c) => ({ certId: idFor(c), status: 'good' as const }));
  const over = opts.certIdFor ?? {};
  const subject = over.certificate ?? opts.leaf;
  if (!subject) {
    throw new TlsflightError('BAD_OPTION', 'buildOcspResponse needs leaf, certIdFor or singles');
  }
  const certId = idFor(subject, over.hashAlgorithm);
  if (over.serialNumber) certId.serialNumber = serialBytes(over.serialNumber);
  const status = opts.status ?? 'good';
  return [...extra, { certId, status, revocationTime: opts.revocationTime }];
}

/** Hex serial → INTEGER contents (a leading zero keeps it positive). */
function serialBytes(hex: string): ArrayBuffer {
  const even = hex.length % 2 ? `0${hex}` : hex;
  const bytes = Buffer.from(even, 'hex');
  const positive = bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return new Uint8Array(positive).buffer;
}

function certStatusOf(s: OcspSingleSpec, thisUpdate: Date): CertStatus {
  if (s.status === 'good') return new CertStatus({ good: null });
  if (s.status === 'unknown') return new CertStatus({ unknown: null });
  const revocationTime = wholeSeconds(
    s.revocationTime ?? new Date(thisUpdate.getTime() - 3600_000),
  );
  return new CertStatus({ revoked: new RevokedInfo({ revocationTime }) });
}

function responderIdOf(cert: IssuedCert, form: 'name' | 'key'): ResponderID {
  const parsed = AsnConvert.parse(cert.certDer, Certificate).tbsCertificate;
  if (form === 'name') return new ResponderID({ byName: parsed.subject as Name });
  // RFC 6960 4.2.1: SHA-1 of the subjectPublicKey BIT STRING contents.
  const keyBits = Buffer.from(parsed.subjectPublicKeyInfo.subjectPublicKey);
  return new ResponderID({
    byKey: new KeyHash(crypto.createHash('sha1').update(keyBits).digest()),
  });
}

function signBasic(tbsResponseData: ResponseData, opts: OcspResponseOptions): BasicOCSPResponse {
  const signer = opts.signer;
  const tbs = Buffer.from(AsnConvert.serialize(tbsResponseData));
  const isEc = signer.keys.privateKey.algorithm.name === 'ECDSA';
  const signature = crypto.sign('sha256', tbs, crypto.KeyObject.from(signer.keys.privateKey));
  const signatureAlgorithm = new AlgorithmIdentifier({
    algorithm: isEc ? SIGNATURE_OIDS.ec : SIGNATURE_OIDS.rsa,
    parameters: isEc ? undefined : new Uint8Array([5, 0]).buffer,
  });
  const include = opts.includeSignerCert ?? !signer.certDer.equals(opts.issuer.certDer);
  return new BasicOCSPResponse({
    tbsResponseData,
    signatureAlgorithm,
    signature: new Uint8Array(signature).buffer,
    certs: include ? [AsnConvert.parse(signer.certDer, Certificate)] : undefined,
  });
}

function wrap(basic: BasicOCSPResponse): Buffer {
  const responseBytes = new ResponseBytes({
    responseType: id_pkix_ocsp_basic,
    response: new OctetString(AsnConvert.serialize(basic)),
  });
  const response = new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes,
  });
  return Buffer.from(AsnConvert.serialize(response));
}
