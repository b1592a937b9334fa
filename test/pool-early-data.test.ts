/** 0-RTT early data sent with openssl s_client against the same terminator. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderText } from '../src/render/text.js';
import { pkiFixture } from './support/fixtures.js';
import { probeLocalPool, startPoolNginx } from './support/pool.js';

describe('pool early data', () => {
  it('warns when nginx with ssl_early_data on accepts a request sent as 0-RTT', async (t) => {
    const fx = await pkiFixture(t);
    const nginx = await startPoolNginx(t, fx, { earlyData: true });
    const { report, pool } = await probeLocalPool(fx, [nginx.port], { resumptionAttempts: '1' });
    const early = pool.earlyData;

    assert.equal(early.advertised, true);
    assert.equal(early.maxEarlyData, 16384);
    assert.equal(early.result, 'accepted');
    assert.equal(early.reason, 'Early data was accepted');
    assert.equal(early.request, 'HEAD / HTTP/1.1');
    const f = report.findings.find((x) => x.id === 'pool.early-data-accepted');
    assert.equal(f?.severity, 'warn');
    assert.match(f!.impact, /can be replayed/);
    const text = renderText(report, { color: false, verbose: false });
    assert.match(text, /Early data +advertised; accepted on 127\.0\.0\.1 \(max_early_data 16384\)/);
  });

  it('downgrades accepted early data to info with --idempotent', async (t) => {
    const fx = await pkiFixture(t);
    const nginx = await startPoolNginx(t, fx, { earlyData: true });
    const { report, pool } = await probeLocalPool(fx, [nginx.port], {
      resumptionAttempts: '1',
      idempotent: true,
    });

    assert.equal(pool.earlyData.result, 'accepted');
    assert.equal(pool.earlyData.idempotentDeclared, true);
    const f = report.findings.find((x) => x.id === 'pool.early-data-accepted');
    assert.equal(f?.severity, 'info');
  });

  it(
    'says "not tested", never "not supported", ' + 'when tickets advertise no early data',
    async (t) => {
      const fx = await pkiFixture(t);
      const nginx = await startPoolNginx(t, fx);
      const { report, pool } = await probeLocalPool(fx, [nginx.port], { resumptionAttempts: '1' });

      assert.equal(pool.earlyData.advertised, false);
      assert.equal(pool.earlyData.result, 'not-tested');
      assert.match(pool.earlyData.reason ?? '', /no ticket advertises early data/);
      assert.doesNotMatch(renderText(report, { color: false, verbose: false }), /not supported/);
    },
  );

  it('says "not tested" when openssl cannot be run', async (t) => {
    const fx = await pkiFixture(t);
    const nginx = await startPoolNginx(t, fx, { earlyData: true });
    const missing = '/nonexistent/tlsflight-test/openssl';
    const { report, pool } = await probeLocalPool(
      fx,
      [nginx.port],
      { resumptionAttempts: '1' },
      { openssl: missing },
    );

    assert.equal(pool.earlyData.advertised, true);
    assert.equal(pool.earlyData.result, 'not-tested');
    assert.equal(pool.earlyData.reason, `${missing} is not on the PATH`);
    const f = report.findings.find((x) => x.id === 'pool.early-data-not-tested');
    assert.equal(f?.severity, 'info');
  });
});
