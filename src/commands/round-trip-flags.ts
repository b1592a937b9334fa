/** `--rtt`, `--responder-rtt` and `--ocsp-fetch`: parsing into RoundTripOptions. */
import { TlsflightError } from '../errors.js';
import type { RoundTripOptions } from '../round-trips.js';

/** Raw values of the round-trip flags. */
export interface RoundTripFlags {
  rtt?: string[];
  responderRtt?: string;
  ocspFetch?: boolean;
}

/** Largest RTT accepted: ten seconds is beyond any real path. */
const MAX_RTT_MS = 10_000;

/** Parses one RTT in ms (0 allowed: a local path). */
export function parseRtt(value: string, flag: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > MAX_RTT_MS) {
    throw new TlsflightError(
      'BAD_OPTION',
      `bad ${flag} '${value}': expected milliseconds from 0 to ${MAX_RTT_MS}`,
    );
  }
  return n;
}

/** `--rtt 50,150 --rtt 300` → [50, 150, 300], duplicates dropped, order kept. */
export function parseRttList(values: string[], flag = '--rtt'): number[] {
  const all = values.flatMap((v) => v.split(',')).map((v) => parseRtt(v, flag));
  return [...new Set(all)];
}

/** The round-trip part of ProbeOptions. */
export function toRoundTripOptions(f: RoundTripFlags): RoundTripOptions {
  return {
    ocspFetch: f.ocspFetch ?? false,
    whatIfRtts: parseRttList(f.rtt ?? []),
    responderRttMs:
      f.responderRtt === undefined ? undefined : parseRtt(f.responderRtt, '--responder-rtt'),
  };
}
