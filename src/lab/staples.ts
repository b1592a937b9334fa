/** The OCSP response a lab endpoint staples, built from the lab PKI (RFC 6960). */
import { buildOcspResponse, type OcspResponseOptions } from '../pki/ocsp-response.js';
import type { IssuedCert, LabPki } from '../pki/pki.js';
import type { StapleKind } from './spec.js';

const DAY = 86400_000;

/** The DER to staple for `leaf`, or null for 'none'. */
export function stapleFor(kind: StapleKind, leaf: IssuedCert, pki: LabPki): Buffer | null {
  if (kind === 'none') return null;
  const base: OcspResponseOptions = { leaf, issuer: pki.intermediate, signer: pki.intermediate };
  return buildOcspResponse({ ...base, ...variant(kind, pki) });
}

function variant(kind: Exclude<StapleKind, 'none'>, pki: LabPki): Partial<OcspResponseOptions> {
  const now = Date.now();
  switch (kind) {
    case 'good':
      return {};
    case 'revoked':
      return { status: 'revoked' };
    case 'unknown':
      return { status: 'unknown' };
    case 'expired':
      return { thisUpdate: new Date(now - 3 * DAY), nextUpdate: new Date(now - DAY) };
    case 'not-yet-valid':
      return { thisUpdate: new Date(now + DAY), nextUpdate: new Date(now + 2 * DAY) };
    case 'wrong-cert':
      return { leaf: pki.otherLeaf };
    case 'bad-signature':
      // Names the issuer as signer but is signed by an unrelated key.
      return { signer: pki.otherRoot, responderIdFrom: pki.intermediate, includeSignerCert: false };
    case 'delegated':
      return { signer: pki.ocspResponder };
  }
}
