/**
 * The probe's flags, shared by every command that probes (probe, scan, advise). Declarations
 * only, so that `--help` and `--version` load no probe code; probe-options.ts parses them.
 */
import { type Command, Option } from 'commander';
import type { PoolFlags } from '../pool/options.js';
import type { RoundTripFlags } from './round-trip-flags.js';

/** Raw flag values as commander hands them over. */
export interface ProbeFlags extends RoundTripFlags, PoolFlags {
  sni?: string;
  /** Repeatable: the first is the main probe's address, all of them form a pool. */
  connectTo?: string[];
  ca: string[];
  path: string;
  method: string;
  tls?: string;
  alpn: string;
  timeout: string;
  cert?: string;
  key?: string;
  pfx?: string;
  passphraseFile?: string;
  clientCert: string[];
  clientKey: string[];
  ocsp: boolean;
  resumption: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Declares the probe flags on a command. */
export function addProbeFlags(cmd: Command): Command {
  return cmd
    .option('--sni <name>', 'server name to send (default: the host, none for an IP)')
    .option(
      '--connect-to <ip>',
      'connect to this address instead of resolving the host (repeat: a pool)',
      collect,
      [],
    )
    .option('--ca <file>', 'extra trust anchors, PEM (repeatable)', collect, [])
    .option('--path <path>', 'HTTP path requested after the handshake', '/')
    .addOption(
      new Option('--method <method>', 'HTTP method').choices(['GET', 'HEAD']).default('GET'),
    )
    .addOption(new Option('--tls <version>', 'pin the TLS version').choices(['1.2', '1.3']))
    .option('--alpn <list>', 'ALPN protocols to offer, comma-separated', 'h2,http/1.1')
    .option('--timeout <ms>', 'time limit per phase, in ms', '10000')
    .option('--cert <file>', 'client certificate, PEM (with --key)')
    .option('--key <file>', 'client private key, PEM (with --cert)')
    .option('--pfx <file>', 'client certificate and key, PKCS#12')
    .option('--passphrase-file <file>', 'file holding the passphrase of --key or --pfx')
    .option(
      '--client-cert <file>',
      'another client certificate to test (repeatable, pairs with --client-key)',
      collect,
      [],
    )
    .option('--client-key <file>', 'key of the matching --client-cert', collect, [])
    .option('--no-ocsp', 'do not request an OCSP staple')
    .option('--no-resumption', 'skip the resumption probe')
    .option('--rtt <ms>', 'project visit times at these RTTs (comma list, repeatable)', collect, [])
    .option('--responder-rtt <ms>', 'RTT to the OCSP responder in the projection (default: --rtt)')
    .option('--ocsp-fetch', 'without a staple, time and verify the OCSP side trip a browser makes')
    .option('--all-addresses', 'probe every address of the name (default: when it has several)')
    .option('--no-all-addresses', 'probe only the first address')
    .option('--pool <list>', 'terminators of the name: ip, ip:port or [v6]:port, comma-separated')
    .option('--pool-max <n>', 'probe at most this many addresses (the matrix is n x n)', '8')
    .option('--resumption-attempts <n>', 'reconnections in the resumption-rate chain (default 10)')
    .option('--ticket-age <seconds>', 'hold a ticket this long, then check it still resumes')
    .option('--samples <n>', 'full handshakes per address to catch intermittent stapling')
    .option('--sample-pause <ms>', 'pause between --samples handshakes', '0')
    .option('--idempotent', 'the route is safe to replay: accepted 0-RTT early data is no warning');
}
