/** `tlsflight lab`: local endpoints for reproducing each case by hand, until Ctrl-C. */
import { TlsflightError } from '../errors.js';
import { type Lab, type LabEndpoint, startLab } from '../lab/lab.js';
import { readLabConfig } from '../lab/spec.js';
import { parseRtt } from './round-trip-flags.js';

/** Flags of the lab command. */
export interface LabFlags {
  rtt: string;
  config?: string;
  dir?: string;
  only?: string;
}

/** The `tlsflight probe` command line that reproduces one endpoint's case. */
export function probeCommandFor(lab: Lab, e: LabEndpoint): string {
  const f = lab.files;
  const args = [`tlsflight probe ${e.host}:${e.port}`, `--sni ${e.sni}`, `--ca ${f.ca}`];
  if (e.spec.clientAuth !== 'none') args.push(`--cert ${f.client} --key ${f.clientKey}`);
  const leafHasOcsp = e.spec.leaf !== 'no-ocsp';
  if (e.spec.staple === 'none' && leafHasOcsp) args.push('--ocsp-fetch');
  if (lab.rttMs > 0) args.push(`--rtt ${lab.rttMs}`);
  return args.join(' ');
}

/** The listing printed once the lab runs. */
export function labListing(lab: Lab): string {
  const f = lab.files;
  const rtt =
    lab.rttMs > 0
      ? `emulated RTT ${lab.rttMs} ms (bytes only: TCP's own handshake is answered at once)`
      : 'no added latency';
  const width = Math.max(...lab.endpoints.map((e) => e.name.length)) + 2;
  const lines = [
    `tlsflight lab: ${lab.endpoints.length} endpoints on 127.0.0.1, ${rtt}; PKI in ${lab.dir}`,
    `  trust anchor        --ca ${f.ca}`,
    `  client cert (CA 1)  --cert ${f.client} --key ${f.clientKey}`,
    `  client cert (CA 2)  --cert ${f.client2} --key ${f.client2Key}`,
    `  untrusted client    --cert ${f.wrongClient} --key ${f.wrongClientKey}`,
    `  OCSP responder      ${lab.ocsp.url} (silent one: ${lab.ocsp.silentUrl})`,
    '',
  ];
  for (const e of lab.endpoints) {
    lines.push(`${e.name.padEnd(width)}${e.spec.about}`, `  ${probeCommandFor(lab, e)}`);
  }
  lines.push('', 'Ctrl-C stops the lab.');
  return `${lines.join('\n')}\n`;
}

function waitForStop(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Runs the lab until SIGINT or SIGTERM; returns the exit code. */
export async function labCommand(flags: LabFlags): Promise<number> {
  const rttMs = parseRtt(flags.rtt, '--rtt');
  const endpoints = flags.config ? readLabConfig(flags.config) : undefined;
  const only = flags.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (flags.only !== undefined && !only?.length) {
    throw new TlsflightError('BAD_OPTION', `bad --only '${flags.only}': expected endpoint names`);
  }
  const stopped = waitForStop();
  const lab = await startLab({ rttMs, endpoints, only, dir: flags.dir });
  process.stdout.write(labListing(lab));
  const signal = await stopped;
  process.stderr.write(`tlsflight lab: ${signal}, stopping\n`);
  await lab.close();
  return 0;
}
