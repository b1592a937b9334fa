/**
 * After the probes: the OCSP side trip (opt-in, a probe of its own), then the flight model
 * and the what-if projection, both read from the finished report.
 */
import type tls from 'node:tls';
import { flightFindings, flightModel } from './model/flights.js';
import { projectWhatIf } from './model/whatif.js';
import type { ProbeDeps, ProbeOptions } from './probe.js';
import { issued, type ParsedCertificate, parseCertificateDer } from './probes/certificate.js';
import type { ConnectionOutcome } from './probes/connection.js';
import { probeOcspSideTrip } from './probes/ocsp-side-trip.js';
import type { ProbeSetup } from './probes/setup.js';
import type { Report } from './report/model.js';

/** Round-trip options of a probe (`--ocsp-fetch`, `--rtt`, `--responder-rtt`). */
export interface RoundTripOptions {
  /** Without a staple, fetch the OCSP answer the way a browser would and time it. */
  ocspFetch?: boolean;
  /** RTTs (ms) to project first and repeat visits at. */
  whatIfRtts?: number[];
  /** RTT to the OCSP responder in the projection; default the same RTT. */
  responderRttMs?: number;
}

/** Adds the side trip (when asked and useful), the flight model and the what-if rows. */
export async function addRoundTrips(
  report: Report,
  main: ConnectionOutcome,
  options: ProbeOptions,
  setup: ProbeSetup,
  deps: ProbeDeps,
): Promise<void> {
  const url = report.stapling?.received
    ? null
    : (report.chain?.certificates[0]?.ocspUrls[0] ?? null);
  if (options.ocspFetch && url) {
    const [leaf, issuer] = leafAndIssuer(main, setup);
    if (leaf) {
      const result = await probeOcspSideTrip({
        url,
        leafDer: leaf.der,
        issuerDer: issuer?.der ?? null,
        limitMs: options.timeoutMs,
        resolver: deps.resolver,
        clock: deps.clock,
        now: deps.now,
      });
      report.ocspSideTrip = result.ocspSideTrip;
      report.findings.push(...result.findings);
    }
  }
  report.flights = flightModel(report);
  if (report.flights) report.findings.push(...flightFindings(report.flights));
  if (options.whatIfRtts?.length) {
    report.whatIf = projectWhatIf(report, options.whatIfRtts, options.responderRttMs);
  }
}

/** The leaf as sent and its issuer: among the certificates sent, else among the anchors. */
function leafAndIssuer(
  o: ConnectionOutcome,
  setup: ProbeSetup,
): [ParsedCertificate | null, { der: Buffer } | null] {
  const sent = (o.transcript.certificates?.map((c) => c.der) ?? peerDers(o))
    .map(parseCertificateDer)
    .filter((c): c is ParsedCertificate => c !== null);
  const leaf = sent[0] ?? null;
  if (!leaf) return [null, null];
  const fromChain = sent.slice(1).find((c) => issued(c.node, leaf.node));
  if (fromChain) return [leaf, fromChain];
  const anchor = setup.anchors().find((a) => issued(a, leaf.node));
  return [leaf, anchor ? { der: anchor.raw } : null];
}

/** Node's view of the peer chain when the capture holds no Certificate message. */
function peerDers(o: ConnectionOutcome): Buffer[] {
  const out: Buffer[] = [];
  let cert = o.peer as (tls.DetailedPeerCertificate & { raw?: Buffer }) | null;
  while (cert?.raw && !out.some((d) => d.equals(cert!.raw!))) {
    out.push(cert.raw);
    cert = cert.issuerCertificate as typeof cert;
  }
  return out;
}
