/**
 * --samples: repeated full handshakes per terminator, to catch stapling that comes and goes
 * (servers fetching the OCSP response lazily per worker after a restart): "stapled k of N".
 */
import { finding } from '../report/findings.js';
import type { Finding, StaplingSamples, StaplingState } from '../report/model.js';
import { connectMember, type PoolContext } from './connect.js';
import type { PoolMember } from './members.js';
import { servedBy } from './served.js';

type AddressSamples = StaplingSamples['perAddress'][number];

/** Samples every member `samples` times with `pauseMs` between handshakes. */
export async function staplingSamples(
  ctx: PoolContext,
  members: PoolMember[],
  samples: number,
  pauseMs: number,
): Promise<{ samples: StaplingSamples; findings: Finding[] }> {
  const perAddress: AddressSamples[] = [];
  for (const member of members) perAddress.push(await sample(ctx, member, samples, pauseMs));
  return { samples: { pauseMs, perAddress }, findings: perAddress.flatMap(sampleFindings) };
}

async function sample(
  ctx: PoolContext,
  member: PoolMember,
  n: number,
  pauseMs: number,
): Promise<AddressSamples> {
  const states: StaplingState[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && pauseMs > 0) await ctx.deps.pause(pauseMs);
    // No session offered: servers staple on full handshakes only (never on resumed ones).
    const { outcome } = await connectMember(ctx, member, { requestOcsp: true, ticketWaitMs: 0 });
    states.push(outcome.failure ? 'missing' : servedBy(ctx, outcome).stapling.state);
  }
  const stapled = states.filter((s) => s !== 'missing' && s !== 'not-applicable').length;
  return {
    address: member.label,
    samples: n,
    stapled,
    good: states.filter((s) => s === 'good').length,
    states,
  };
}

function sampleFindings(s: AddressSamples): Finding[] {
  const detail = { address: s.address, samples: s.samples, stapled: s.stapled, good: s.good };
  const title =
    `${s.address}: stapled ${s.stapled} of ${s.samples} full handshakes (${s.good} ` + `good).`;
  if (s.stapled > 0 && s.stapled < s.samples) {
    return [
      finding(
        'pool.stapling-intermittent',
        'warn',
        title,
        'Stapling comes and goes (a staple fetched lazily per worker?): the unlucky clients pay ' +
          'their own OCSP side trip.',
        detail,
      ),
    ];
  }
  if (s.stapled === s.samples && s.good === s.samples) {
    return [
      finding(
        'pool.stapling-steady',
        'ok',
        title,
        'Every full handshake carries revocation status.',
        detail,
      ),
    ];
  }
  return [];
}
