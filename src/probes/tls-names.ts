/** IANA names for the TLS code points a report shows (RFC 8446 §4, §6; IANA TLS registries). */

/** Handshake message types (RFC 8446 §4, RFC 5246 §7.4, RFC 6066 §8). */
export const HANDSHAKE_TYPES: Record<number, string> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  5: 'EndOfEarlyData',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
  22: 'CertificateStatus',
  24: 'KeyUpdate',
};

/** Named groups (IANA "TLS Supported Groups"), in the spelling Node's getEphemeralKeyInfo uses. */
export const GROUPS: Record<number, string> = {
  23: 'P-256',
  24: 'P-384',
  25: 'P-521',
  29: 'X25519',
  30: 'X448',
  256: 'ffdhe2048',
  257: 'ffdhe3072',
  258: 'ffdhe4096',
  4588: 'X25519MLKEM768',
};

/** Signature schemes (RFC 8446 §4.2.3). */
export const SIGNATURE_SCHEMES: Record<number, string> = {
  513: 'rsa_pkcs1_sha1',
  515: 'ecdsa_sha1',
  1025: 'rsa_pkcs1_sha256',
  1281: 'rsa_pkcs1_sha384',
  1537: 'rsa_pkcs1_sha512',
  1027: 'ecdsa_secp256r1_sha256',
  1283: 'ecdsa_secp384r1_sha384',
  1539: 'ecdsa_secp521r1_sha512',
  2052: 'rsa_pss_rsae_sha256',
  2053: 'rsa_pss_rsae_sha384',
  2054: 'rsa_pss_rsae_sha512',
  2055: 'ed25519',
  2056: 'ed448',
  2057: 'rsa_pss_pss_sha256',
  2058: 'rsa_pss_pss_sha384',
  2059: 'rsa_pss_pss_sha512',
};

/** Alert descriptions (RFC 8446 §6). */
export const ALERTS: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** Protocol versions as Node spells them. */
export const VERSIONS: Record<number, string> = {
  769: 'TLSv1',
  770: 'TLSv1.1',
  771: 'TLSv1.2',
  772: 'TLSv1.3',
};

/** A name from one of the tables, or the code point in hex. */
export function nameOf(table: Record<number, string>, code: number): string {
  return table[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}
