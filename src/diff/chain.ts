/**
 * Certificate rows of the rotation matrix: leaf replaced with the same key or a new one,
 * intermediate swapped or cross-signed, chain length and bytes, chain validity.
 */
import { resumptionPercent, resumptionText } from '../advice/pool-view.js';
import { INITIAL_WINDOW_BYTES } from '../advice/round-trips.js';
import type { CertificateInfo, ChainInfo, Report } from '../report/model.js';
import { type Change, change } from './types.js';

const short = (hex: string) => `${hex.slice(0, 12)}…`;
const day = (iso: string) => iso.slice(0, 10);

/** Leaf replaced: same key (spkiSha256 equal) or new key, with resumption before and after. */
export function leafChanges(a: Report, b: Report): Change[] {
  const x = a.chain?.certificates[0];
  const y = b.chain?.certificates[0];
  if (!x || !y || x.sha256 === y.sha256) return [];
  const dates =
    `serial ${x.serialNumber} → ${y.serialNumber}, notAfter ${day(x.notAfter)} → ` +
    `${day(y.notAfter)}`;
  const lost = x.subjectAltNames.filter((n) => !y.subjectAltNames.includes(n));
  const sans = lost.length ? `; SANs dropped: ${lost.join(', ')}` : '';
  if (x.spkiSha256 === y.spkiSha256) {
    return [
      change(
        'leaf-same-key',
        lost.length ? 'warn' : 'info',
        `Leaf replaced with the same key (${dates})${sans}.`,
        'Nothing changes for clients: key pins and anything bound to the key keep working.',
        'None needed; check the new notAfter and SANs.',
        x.sha256,
        y.sha256,
      ),
    ];
  }
  const before = resumptionText(a);
  const after = resumptionText(b);
  const dropped = (resumptionPercent(b) ?? 100) < (resumptionPercent(a) ?? 0);
  return [
    change(
      'leaf-new-key',
      dropped || lost.length ? 'warn' : 'info',
      `Leaf and key replaced (key ${short(x.spkiSha256)} → ${short(y.spkiSha256)}, ` +
        `${dates})${sans}; resumption before: ${before}, after: ${after}.`,
      'Clients pinning the old key fail; tickets issued before the switch may stop resuming, so ' +
        'returning clients pay a full handshake.',
      'Publish the new key pin before the switch; keep session ticket keys across the deploy.',
      before,
      after,
    ),
  ];
}

/** The CA certificates sent after the leaf, roots excluded. */
function intermediates(c: ChainInfo | null): CertificateInfo[] {
  return c?.certificates.slice(1).filter((x) => !x.selfSigned) ?? [];
}

/**
 * Intermediate swapped (new issuer of the leaf) or cross-signed (same name and key, new issuer).
 */
export function issuerChanges(a: Report, b: Report): Change[] {
  const before = intermediates(a.chain);
  const after = intermediates(b.chain);
  const added = after.filter((d) => !before.some((c) => c.sha256 === d.sha256));
  const removed = before.filter((c) => !after.some((d) => d.sha256 === c.sha256));
  const out: Change[] = [];
  for (const d of added) {
    const twin = removed.find((c) => c.subject === d.subject && c.spkiSha256 === d.spkiSha256);
    if (twin && twin.issuer !== d.issuer) out.push(crossSigned(twin, d));
    else if (twin) out.push(reissued(twin, d));
  }
  const leafA = a.chain?.certificates[0]?.issuer;
  const leafB = b.chain?.certificates[0]?.issuer;
  if (leafA && leafB && leafA !== leafB) out.push(swapped(leafA, leafB, before[0], after[0]));
  return out;
}

function crossSigned(old: CertificateInfo, now: CertificateInfo): Change {
  return change(
    'intermediate-cross-signed',
    'warn',
    `Intermediate ${now.subject} is now issued by ${now.issuer} (was ${old.issuer}): same name ` +
      `and key, cross-signed.`,
    'Clients build the path to a different root: older trust stores (old Android, Java, embedded ' +
      'devices) may not have it.',
    "Check the new root is in your oldest clients' trust stores; keep serving the old path until " +
      'they have it.',
    old.issuer,
    now.issuer,
  );
}

function reissued(old: CertificateInfo, now: CertificateInfo): Change {
  return change(
    'intermediate-swapped',
    'info',
    `Intermediate ${now.subject} re-issued by the same ${now.issuer} (notAfter ` +
      `${day(old.notAfter)} → ${day(now.notAfter)}).`,
    'Nothing changes for clients that trust the issuer; pins on the intermediate certificate ' +
      'itself break.',
    'Pin keys, not certificates.',
    old.sha256,
    now.sha256,
  );
}

function swapped(
  leafA: string,
  leafB: string,
  oldInt?: CertificateInfo,
  newInt?: CertificateInfo,
): Change {
  const roots =
    oldInt && newInt && oldInt.issuer !== newInt.issuer
      ? `; root ${oldInt.issuer} → ${newInt.issuer}`
      : '';
  return change(
    'intermediate-swapped',
    'warn',
    `Intermediate swapped: the leaf's issuer changed from ${leafA} to ${leafB}${roots}.`,
    'Clients pinning the old intermediate fail; older trust stores may not chain the new issuer ' +
      'to a root they hold.',
    "Check the new issuer chains to roots in your oldest clients' stores; update intermediate " +
      'pins before the switch.',
    leafA,
    leafB,
  );
}

/** Renewals shift a chain by a few bytes (serial, dates); smaller changes are not reported. */
const CHAIN_BYTES_STEP = 100;

/** Bytes of the certificates themselves (in TLS 1.3 the message also carries the staple). */
function certBytes(c: ChainInfo): number {
  return c.certificates.reduce((n, x) => n + x.bytes, 0);
}

/**
 * Chain length or bytes changed; a Certificate message crossing the initial window costs an RTT.
 */
export function chainSizeChanges(a: Report, b: Report): Change[] {
  if (!a.chain || !b.chain) return [];
  const [n1, n2] = [a.chain.certificates.length, b.chain.certificates.length];
  const [b1, b2] = [certBytes(a.chain), certBytes(b.chain)];
  const [m1, m2] = [a.chain.certificateMessageBytes ?? b1, b.chain.certificateMessageBytes ?? b2];
  const crossed = m1 <= INITIAL_WINDOW_BYTES && m2 > INITIAL_WINDOW_BYTES;
  if (n1 === n2 && Math.abs(b2 - b1) < CHAIN_BYTES_STEP && !crossed) return [];
  const grew = b2 > b1;
  const impact = crossed
    ? `The Certificate message (${m2} B) now overflows the ~14.6 KB initial window: one more ` +
      `round trip per full handshake.`
    : `${Math.abs(b2 - b1)} B ${grew ? 'more' : 'less'} per full handshake; no round trip ` +
      `changes while under ~14.6 KB.`;
  return [
    change(
      'chain-size',
      crossed ? 'warn' : 'info',
      `Chain ${n1} → ${n2} certificates, ${b1} → ${b2} B.`,
      impact,
      grew
        ? 'Send only the leaf and its intermediates: drop the root and unneeded cross-signs.'
        : 'None needed.',
      `${n1} certificates, ${b1} B`,
      `${n2} certificates, ${b2} B`,
    ),
  ];
}

const HEALTH: Array<{
  key: 'trusted' | 'complete' | 'orderCorrect' | 'hostnameMatches';
  what: string;
}> = [
  { key: 'trusted', what: 'trusted' },
  { key: 'complete', what: 'complete (all intermediates sent)' },
  { key: 'orderCorrect', what: 'in the right order' },
  { key: 'hostnameMatches', what: 'valid for the host name' },
];

/** Chain validity flips: trusted, complete, ordered, hostname. */
export function chainHealthChanges(a: Report, b: Report): Change[] {
  if (!a.chain || !b.chain) return [];
  const out: Change[] = [];
  for (const { key, what } of HEALTH) {
    const [x, y] = [a.chain[key], b.chain[key]];
    if (x === y || x === null || y === null) continue;
    out.push(
      y
        ? change(
            'chain-health',
            'ok',
            `The chain is now ${what}.`,
            'Clients that failed before now connect.',
            'None needed.',
            'no',
            'yes',
          )
        : change(
            'chain-health',
            key === 'orderCorrect' ? 'warn' : 'fail',
            `The chain is no longer ${what}` +
              `${key === 'trusted' && b.chain.trustError ? ` (${b.chain.trustError})` : ''}.`,
            'Some or all clients now fail the handshake.',
            'Roll back or fix the served chain before clients cache failures.',
            'yes',
            'no',
          ),
    );
  }
  return out;
}
