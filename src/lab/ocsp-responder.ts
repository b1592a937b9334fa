/**
 * A real OCSP responder over HTTP (RFC 6960 appendix A) for the lab and the tests:
 * POST application/ocsp-request and GET /<base64>, answering for the requested serials.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CertID, OCSPRequest } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { TlsflightError } from '../errors.js';
import {
  buildErrorOcspResponse,
  buildOcspResponse,
  type OcspCertStatus,
  type OcspResponseOptions,
} from '../pki/ocsp-response.js';
import type { IssuedCert } from '../pki/pki.js';
import { certIdFor } from '../probes/ocsp-verify.js';

/** Options of startOcspResponder: give `pki`, or `issuer` (and optionally `signer`). */
export interface OcspResponderOptions {
  /** Takes the issuer from pki.intermediate. */
  pki?: { intermediate: IssuedCert };
  issuer?: IssuedCert;
  /** Default: the issuer signs. */
  signer?: IssuedCert;
  /** Status per serial (lowercase hex, no leading zeros); default 'good' for every serial. */
  statusFor?: (serialHex: string) => OcspCertStatus;
  /** 'silent' accepts the connection and the request and never answers. */
  mode?: 'normal' | 'silent';
  /** Only loopback: the responder is a lab and test tool. */
  host?: '127.0.0.1';
  /** Fixed fields for every response (stale times, ResponderID form, ...). */
  responseOptions?: Pick<
    OcspResponseOptions,
    'thisUpdate' | 'nextUpdate' | 'producedAt' | 'includeSignerCert' | 'responderId'
  >;
}

/** A running responder. */
export interface OcspResponder {
  /** Base URL; POST to it, or GET it with the base64 request appended. */
  url: string;
  port: number;
  /** Requests received so far (silent mode included). */
  readonly requests: number;
  /** Stops listening and destroys open sockets (silent mode keeps them open otherwise). */
  close(): Promise<void>;
}

/** Where the responder serves the issuer certificate (the lab's AIA caIssuers URL). */
export const CA_ISSUERS_PATH = '/ca/issuer.cer';
const MAX_REQUEST_BYTES = 64 * 1024;

/** Starts an OCSP responder on 127.0.0.1 on a free port. */
export async function startOcspResponder(opts: OcspResponderOptions): Promise<OcspResponder> {
  const issuer = opts.issuer ?? opts.pki?.intermediate;
  if (!issuer) throw new TlsflightError('BAD_OPTION', 'startOcspResponder needs pki or issuer');
  if ((opts.host ?? '127.0.0.1') !== '127.0.0.1') {
    throw new TlsflightError('BAD_OPTION', `OCSP responder host must be 127.0.0.1: ${opts.host}`);
  }
  let requests = 0;
  const answer = answerer({ ...opts, issuer });
  const server = http.createServer((req, res) => {
    requests++;
    req.on('error', () => {}); // a client that hangs up mid-request is not our failure
    if (opts.mode === 'silent') return;
    handle(req, res, issuer, answer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  issuer: IssuedCert,
  answer: (der: Buffer) => Buffer,
): void {
  const path = req.url ?? '/';
  if (req.method === 'GET' && path === CA_ISSUERS_PATH) {
    send(res, 200, 'application/pkix-cert', issuer.certDer);
  } else if (req.method === 'GET' && path.length > 1) {
    // RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}
    send(res, 200, 'application/ocsp-response', answer(fromGetPath(path)));
  } else if (req.method === 'POST') {
    readBody(req, (der) => {
      if (!der) send(res, 413, 'text/plain', Buffer.from('request too large\n'));
      else send(res, 200, 'application/ocsp-response', answer(der));
    });
  } else {
    send(res, 405, 'text/plain', Buffer.from('POST an OCSP request or GET /<base64>\n'));
  }
}

function fromGetPath(path: string): Buffer {
  try {
    return Buffer.from(decodeURIComponent(path.slice(1)), 'base64');
  } catch {
    return Buffer.alloc(0); // a bad %-escape: answered as malformedRequest
  }
}

function readBody(req: http.IncomingMessage, done: (body: Buffer | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  });
  req.on('end', () => done(size <= MAX_REQUEST_BYTES ? Buffer.concat(chunks) : null));
}

function send(res: http.ServerResponse, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

/** Turns a DER OCSPRequest into a DER OCSPResponse. */
function answerer(opts: OcspResponderOptions & { issuer: IssuedCert }): (der: Buffer) => Buffer {
  const statusFor = opts.statusFor ?? (() => 'good');
  return (der) => {
    let request: OCSPRequest;
    try {
      request = AsnConvert.parse(der, OCSPRequest);
    } catch {
      return buildErrorOcspResponse('malformedRequest');
    }
    const ids = request.tbsRequest.requestList.map((r) => r.reqCert);
    if (!ids.length) return buildErrorOcspResponse('malformedRequest');
    // RFC 6960 2.3: "unauthorized" when asked about certificates of another issuer.
    if (!ids.every((id) => issuedByUs(id, opts.issuer))) {
      return buildErrorOcspResponse('unauthorized');
    }
    const singles = ids.map((certId) => ({ certId, status: statusFor(serialHex(certId)) }));
    return buildOcspResponse({
      ...opts.responseOptions,
      issuer: opts.issuer,
      signer: opts.signer ?? opts.issuer,
      singles,
    });
  };
}

const HASH_NAMES: Record<string, 'sha1' | 'sha256'> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
};

function issuedByUs(id: CertID, issuer: IssuedCert): boolean {
  const hash = HASH_NAMES[id.hashAlgorithm.algorithm];
  if (!hash) return false;
  // The issuer hashes of a CertID depend on the issuer only: the issuer stands in as "leaf".
  const ours = certIdFor(issuer.certDer, issuer.certDer, hash);
  const same = (a: ArrayBuffer, b: ArrayBuffer) => Buffer.from(a).equals(Buffer.from(b));
  return (
    same(id.issuerNameHash.buffer, ours.issuerNameHash.buffer) &&
    same(id.issuerKeyHash.buffer, ours.issuerKeyHash.buffer)
  );
}

function serialHex(id: CertID): string {
  return Buffer.from(id.serialNumber)
    .toString('hex')
    .replace(/^(00)+(?=.)/, '');
}
