/** --samples: stapling that comes and goes, counted over repeated full handshakes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderText } from '../src/render/text.js';
import { goodStaple, pkiFixture } from './support/fixtures.js';
import { probeLocalPool, startTerminator } from './support/pool.js';

describe('pool stapling samples', () => {
  it('reports "stapled 3 of 6" for a Node server that staples every other handshake', async (t) => {
    const fx = await pkiFixture(t, 'http://ocsp.tlsflight.test/');
    const staple = goodStaple(fx.pki);
    const server = await startTerminator(t, fx);
    let calls = 0;
    // Like a worker that fetched its staple lazily: every second full handshake goes without.
    server.server.on('OCSPRequest', (_cert, _issuer, done) => {
      calls += 1;
      done(null, calls % 2 ? staple : Buffer.alloc(0));
    });
    const pauses: number[] = [];
    const pause = async (ms: number) => {
      pauses.push(ms);
    };
    const { report, pool } = await probeLocalPool(
      fx,
      [server.port],
      { samples: '6', samplePause: '25', resumptionAttempts: '1' },
      { pause },
    );
    const samples = pool.staplingSamples!;

    assert.deepEqual(
      samples.perAddress.map((a) => [a.address, a.samples, a.stapled, a.good]),
      [['127.0.0.1', 6, 3, 3]],
    );
    assert.deepEqual(pauses, [25, 25, 25, 25, 25]);
    const f = report.findings.find((x) => x.id === 'pool.stapling-intermittent');
    assert.equal(f?.severity, 'warn');
    assert.match(f!.title, /^127\.0\.0\.1: stapled 3 of 6 full handshakes \(3 good\)\.$/);
    assert.match(
      renderText(report, { color: false, verbose: false }),
      /Stapling +stapled 3 of 6 on 127\.0\.0\.1 \(3 good\), 25 ms apart/,
    );
  });
});
