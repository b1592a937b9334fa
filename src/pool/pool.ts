/**
 * The pool probe, run after the main single-address report: every terminator compared, sessions
 * across them, the resumption rate and its cause, ticket age, 0-RTT and stapling over time.
 * It fills `report.pool` and appends its findings; faults of the pool are findings, never errors.
 */
import type { ProbeOptions } from '../probe.js';
import type { ProbeSetup } from '../probes/setup.js';
import { finding } from '../report/findings.js';
import type { Finding, PoolInfo, PoolMatrix, Report } from '../report/model.js';
import { type ProbedAddress, probeAddresses } from './addresses.js';
import { defaultPoolDeps, type PoolContext, type PoolDeps, poolContext } from './connect.js';
import { compareAddresses } from './consistency.js';
import { earlyData } from './early-data.js';
import { sessionIdMatrix, ticketMatrix } from './matrix.js';
import type { PoolMember } from './members.js';
import { membersFor, type PoolRequest } from './options.js';
import { resumptionRate } from './resumption-rate.js';
import { staplingSamples } from './stapling-samples.js';
import { ticketAge } from './ticket-age.js';

/** What one pool run needs besides the report. */
export interface PoolPlan {
  members: PoolMember[];
  omitted: string[];
  request: PoolRequest;
  options: ProbeOptions;
  setup: ProbeSetup;
}

/** Probes the pool and stores the result in `report.pool` (findings appended to the report's). */
export async function probePool(
  report: Report,
  plan: PoolPlan,
  deps: PoolDeps = defaultPoolDeps,
): Promise<PoolInfo> {
  const ctx = poolContext(plan.options, plan.setup, deps, report.target.sni, plan.request.tls12);
  const findings: Finding[] = [];
  if (plan.omitted.length) findings.push(omittedFinding(plan.omitted, plan.members.length));
  const probed = await probeAddresses(ctx, plan.members);
  const compared = keep(compareAddresses(probed.map((p) => p.row)), findings);
  const tickets = keep(await ticketMatrix(ctx, probed), findings);
  const ids = keep(await sessionIdMatrix(ctx, probed), findings);
  const later = await overTime(ctx, probed, plan.request, tickets.matrix, findings);
  const pool: PoolInfo = {
    source: plan.request.source,
    sni: report.target.sni,
    omitted: plan.omitted,
    addresses: probed.map((p) => p.row),
    inconsistencies: compared.inconsistencies,
    ticketMatrix: tickets.matrix,
    sessionIdMatrix: ids.matrix,
    ...later,
  };
  report.pool = pool;
  report.findings.push(...findings);
  return pool;
}

/** Moves a step's findings into `findings` and returns the step's result. */
function keep<T extends { findings: Finding[] }>(step: T, findings: Finding[]): T {
  findings.push(...step.findings);
  return step;
}

/** What takes several connections per terminator: rate, ticket age, 0-RTT, stapling samples. */
async function overTime(
  ctx: PoolContext,
  probed: ProbedAddress[],
  request: PoolRequest,
  matrix: PoolMatrix | null,
  findings: Finding[],
): Promise<Pick<PoolInfo, 'resumptionRate' | 'ticketAge' | 'earlyData' | 'staplingSamples'>> {
  const live = probed.filter((p) => !p.row.error).map((p) => p.member);
  const rate = live.length
    ? keep(await resumptionRate(ctx, live, request.resumptionAttempts, matrix), findings)
    : null;
  const age =
    live[0] && request.ticketAgeSeconds !== null
      ? keep(await ticketAge(ctx, live[0], request.ticketAgeSeconds), findings)
      : null;
  const early = keep(await earlyData(ctx, probed, request.idempotent), findings);
  const samples =
    live.length && request.samples !== null
      ? keep(await staplingSamples(ctx, live, request.samples, request.samplePauseMs), findings)
      : null;
  return {
    resumptionRate: rate?.rate ?? null,
    ticketAge: age?.result ?? null,
    earlyData: early.result,
    staplingSamples: samples?.samples ?? null,
  };
}

/** Runs the pool probe when the request (or a name with several addresses) calls for one. */
export async function probePoolIfAsked(
  report: Report,
  request: PoolRequest,
  options: ProbeOptions,
  setup: ProbeSetup,
  deps: PoolDeps = defaultPoolDeps,
): Promise<PoolInfo | null> {
  const chosen = membersFor(request, report);
  if (!chosen) return null;
  return probePool(report, { ...chosen, request, options, setup }, deps);
}

function omittedFinding(omitted: string[], probed: number): Finding {
  return finding(
    'pool.addresses-omitted',
    'info',
    `${omitted.length} address(es) not probed (--pool-max ${probed}): ${omitted.join(', ')}.`,
    'Terminators left out may differ from those compared here.',
    { omitted: omitted.join(', ') },
  );
}
