/** The handshake summary: version, cipher, group, ALPN, HelloRetryRequest, flights, alerts. */
import { finding } from '../report/findings.js';
import type { Finding, HandshakeInfo } from '../report/model.js';
import type { ConnectionOutcome } from './connection.js';

/** OpenSSL's curve names (Node's getEphemeralKeyInfo) in the IANA spelling the report uses. */
const OPENSSL_GROUPS: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** Summarises the main connection's handshake. */
export function summarizeHandshake(
  o: ConnectionOutcome,
  refusedForClientCertificate = false,
): { handshake: HandshakeInfo; findings: Finding[] } {
  const t = o.transcript;
  const handshake: HandshakeInfo = {
    version: o.protocol ?? t.serverHello?.version ?? null,
    cipher: o.cipher,
    // The captured key share names the group as IANA does; Node's name is the fallback.
    group: t.serverHello?.group ?? t.keyExchangeGroup ?? ianaGroup(o.group),
    alpn: o.alpn,
    helloRetryRequest: t.helloRetryRequest,
    error: o.failure?.message ?? null,
    messages: t.messages,
    flights: t.flights,
    alerts: t.alerts,
  };
  // A refusal for a missing or rejected client certificate is client auth's finding, so TLS 1.2
  // (refused in the handshake) and TLS 1.3 (refused after it) read the same.
  const findings = handshakeFindings(handshake, o).filter(
    (f) => !(refusedForClientCertificate && f.id === 'handshake.failed'),
  );
  return { handshake, findings };
}

function ianaGroup(name: string | null): string | null {
  return name === null ? null : (OPENSSL_GROUPS[name] ?? name);
}

function handshakeFindings(h: HandshakeInfo, o: ConnectionOutcome): Finding[] {
  const out: Finding[] = [];
  if (o.failure) {
    const alert = h.alerts.find((a) => a.from === 'server');
    out.push(
      finding(
        'handshake.failed',
        'fail',
        `The handshake failed: ${alert ? `server sent ${alert.description}` : o.failure.message}.`,
        'Clients configured like this probe cannot connect at all.',
        { code: o.failure.code },
      ),
    );
    return out;
  }
  if (h.version === 'TLSv1.2') {
    out.push(
      finding(
        'handshake.tls12',
        'warn',
        'TLS 1.2 was negotiated; a full handshake takes 2 round trips.',
        'TLS 1.3 would save one RTT (about 300 ms at 300 ms RTT) on every first connection.',
      ),
    );
  } else if (h.version && h.version !== 'TLSv1.3') {
    out.push(
      finding(
        'handshake.legacy-version',
        'fail',
        `${h.version} was negotiated.`,
        'Deprecated protocol (RFC 8996); modern clients refuse it, and it costs 2 round trips.',
      ),
    );
  }
  if (h.helloRetryRequest) {
    out.push(
      finding(
        'handshake.hello-retry',
        'warn',
        `The server answered with a HelloRetryRequest (asked for ${h.group ?? 'another group'}).`,
        'One extra round trip before the handshake proper: prefer X25519 first in the server ' +
          'group list.',
      ),
    );
  }
  if (h.alpn === null) {
    out.push(
      finding(
        'handshake.no-alpn',
        'info',
        'No ALPN protocol was negotiated.',
        'Clients fall back to HTTP/1.1; no HTTP/2 multiplexing over the one connection.',
      ),
    );
  }
  return out;
}
