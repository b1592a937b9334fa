/**
 * OCSP stapling: was a staple sent, is it for the served leaf, signed by the issuer or a
 * valid delegate, fresh, and good. An expired or foreign staple is never "stapling OK".
 */
import { finding } from '../report/findings.js';
import type { Finding, StaplingInfo } from '../report/model.js';
import type { ParsedCertificate } from './certificate.js';
import { NO_VERDICT, verifyOcspResponse } from './ocsp-verify.js';

/** Inputs of the stapling analysis. */
export interface StaplingInput {
  requested: boolean;
  staple: Buffer | null;
  leaf: ParsedCertificate | null;
  /** The leaf's issuer (sent, or found among the trust anchors). */
  issuerDer: Buffer | null;
  mustStaple: boolean;
  ocspUrls: string[];
  now: Date;
}

const SIDE_TRIP =
  'a client that checks revocation pays its own OCSP side trip (DNS + TCP + HTTP, about 2 RTT to ' +
  'the responder) before the first request';

/** Analyses the staple of one full handshake. */
export function analyzeStapling(input: StaplingInput): {
  stapling: StaplingInfo;
  findings: Finding[];
} {
  const stapling = baseInfo(input);
  if (!input.requested) return { stapling, findings: [] };
  if (!input.staple) return missing(stapling, input);
  if (!input.leaf) {
    stapling.state = 'invalid';
    stapling.error = 'no leaf certificate to check the staple against';
    return { stapling, findings: [invalid(stapling.error)] };
  }
  const v = verifyOcspResponse(input.staple, input.leaf.der, input.issuerDer, input.now);
  Object.assign(stapling, v);
  return judge(stapling);
}

function baseInfo(input: StaplingInput): StaplingInfo {
  // error is taken out and put back so the JSON keys keep StaplingInfo's order.
  const { error, ...unread } = NO_VERDICT;
  return {
    requested: input.requested,
    received: input.staple !== null,
    state: input.requested ? 'missing' : 'not-requested',
    bytes: input.staple?.length ?? null,
    ...unread,
    responderUrl: input.ocspUrls[0] ?? null,
    error,
  };
}

function missing(stapling: StaplingInfo, input: StaplingInput) {
  if (input.mustStaple) {
    const f = finding(
      'stapling.must-staple-missing',
      'fail',
      'The leaf is marked must-staple (RFC 7633) but the server sent no staple.',
      'Firefox and other must-staple-aware clients hard-fail the connection.',
    );
    return { stapling, findings: [f] };
  }
  if (input.ocspUrls.length === 0) {
    stapling.state = 'not-applicable';
    const f = finding(
      'stapling.not-applicable',
      'info',
      'No staple, and the leaf names no OCSP responder: stapling does not apply.',
      'No OCSP side trip is possible, so none is paid; revocation relies on CRLs or short ' +
        'lifetimes.',
    );
    return { stapling, findings: [f] };
  }
  const f = finding(
    'stapling.missing',
    'warn',
    'No OCSP staple although the leaf names an OCSP responder.',
    `Without a staple ${SIDE_TRIP}.`,
    { responder: input.ocspUrls[0]! },
  );
  return { stapling, findings: [f] };
}

function invalid(reason: string, id = 'stapling.invalid'): Finding {
  return finding(
    id,
    'fail',
    `The stapled OCSP response is unusable: ${reason}.`,
    `Clients discard it, so the staple saves nothing: ${SIDE_TRIP}.`,
  );
}

function judge(s: StaplingInfo): { stapling: StaplingInfo; findings: Finding[] } {
  const problem = firstProblem(s);
  if (problem) {
    s.state = 'invalid';
    return { stapling: s, findings: [invalid(problem.reason, problem.id)] };
  }
  if (s.certStatus === 'revoked') {
    s.state = 'revoked';
    const f = finding(
      'stapling.revoked',
      'fail',
      `The staple says the leaf was revoked${s.revocationTime ? ` at ${s.revocationTime}` : ''}.`,
      'Clients that read the staple refuse the connection.',
    );
    return { stapling: s, findings: [f] };
  }
  if (s.certStatus === 'unknown') {
    s.state = 'unknown';
    const f = finding(
      'stapling.unknown',
      'warn',
      'The staple says certStatus unknown for the leaf.',
      `Clients treat it as no answer: ${SIDE_TRIP} or soft-fail.`,
    );
    return { stapling: s, findings: [f] };
  }
  s.state = 'good';
  const hours =
    s.secondsLeft === null ? 'open-ended' : `${Math.floor(s.secondsLeft / 3600)} h left`;
  const signer = s.signer === 'delegated' ? 'a delegated responder' : `the ${s.signer}`;
  const f = finding(
    'stapling.good',
    'ok',
    `Valid OCSP staple: good, signed by ${signer}, ${hours}.`,
    'Clients get revocation status inside the handshake: no side trip to the responder.',
  );
  return { stapling: s, findings: [f] };
}

function firstProblem(s: StaplingInfo): { id: string; reason: string } | null {
  if (s.error) return { id: 'stapling.malformed', reason: s.error };
  if (s.certIdMatches === false) {
    return {
      id: 'stapling.wrong-certificate',
      reason: 'it is for a different certificate (CertID does not match the served leaf)',
    };
  }
  if (s.signatureValid === false)
    return { id: 'stapling.bad-signature', reason: 'its signature does not verify' };
  // Without the issuer (not sent, not trusted) nothing vouches for it: never "good" unchecked.
  if (s.signatureValid === null) {
    const reason = 'its signature cannot be checked: the leaf issuer was neither sent nor trusted';
    return { id: 'stapling.unverifiable', reason };
  }
  if (s.signer === 'delegated' && s.delegationValid === false) {
    return {
      id: 'stapling.bad-delegation',
      reason: 'its delegated signer lacks OCSPSigning or was not issued by the leaf issuer',
    };
  }
  if (s.signer === 'unknown')
    return {
      id: 'stapling.unknown-signer',
      reason: 'its signer is neither the issuer nor a delegate',
    };
  if (s.secondsLeft !== null && s.secondsLeft < 0) {
    return { id: 'stapling.expired', reason: `it expired (nextUpdate ${s.nextUpdate})` };
  }
  if (s.ageSeconds !== null && s.ageSeconds < 0) {
    return {
      id: 'stapling.not-yet-valid',
      reason: `it is not yet valid (thisUpdate ${s.thisUpdate})`,
    };
  }
  return null;
}
