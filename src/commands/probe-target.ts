/** One target probed as `tlsflight probe` does it: the main report, then the pool if asked. */
import { TlsflightError } from '../errors.js';
import { type PoolRequest, toPoolRequest, withFirstMember } from '../pool/options.js';
import { probePoolIfAsked } from '../pool/pool.js';
import { defaultDeps, type ProbeOptions, runProbe } from '../probe.js';
import { type ProbeSetup, prepareSetup } from '../probes/setup.js';
import { parseTarget } from '../probes/target.js';
import type { Report } from '../report/model.js';
import type { ProbeFlags } from './probe-flags.js';
import { toProbeOptions, toSetupOptions } from './probe-options.js';

/** Runs the main probe, then the pool when asked for and the first address answered. */
export async function probeWithPool(
  options: ProbeOptions,
  pool: PoolRequest,
  setup: ProbeSetup,
): Promise<Report> {
  const report = await runProbe(options, setup, defaultDeps);
  // The pool runs after the single-address report, which stays the report of the first address.
  if (!report.connectionError) await probePoolIfAsked(report, pool, options, setup);
  return report;
}

/** Probes `target` with the probe flags; an unreachable target is an error (exit 2). */
export async function probeTarget(target: string, flags: ProbeFlags): Promise<Report> {
  const spec = parseTarget(target);
  const pool = toPoolRequest(flags, spec);
  const options = withFirstMember(toProbeOptions(spec, flags), pool);
  const setup = prepareSetup(toSetupOptions(flags));
  const report = await probeWithPool(options, pool, setup);
  if (report.connectionError) throw new TlsflightError('CONNECT_FAILED', report.connectionError);
  return report;
}
