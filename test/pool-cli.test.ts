/** `tlsflight probe --pool ...` end to end: the table, the matrix and the rate, text and JSON. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { Report } from '../src/report/model.js';
import { runCli } from './support/cli.js';
import { pkiFixture } from './support/fixtures.js';
import { poolFlag, startTerminator } from './support/pool.js';

const SCHEMA = new URL('../../schema/report.schema.json', import.meta.url);

describe('tlsflight probe --pool', () => {
  it(
    'prints the per-address table, the ticket grid and the rate with its cause; --json carries ' +
      'them',
    async (t) => {
      const fx = await pkiFixture(t);
      const a = await startTerminator(t, fx);
      const b = await startTerminator(t, fx);
      const common = [
        'probe',
        `localhost:${a.port}`,
        '--pool',
        poolFlag([a.port, b.port]),
        '--ca',
        fx.files.ca!,
      ];
      const pool = [
        ...common,
        '--alpn',
        'http/1.1',
        '--resumption-attempts',
        '4',
        '--no-resumption',
      ];

      const text = await runCli(pool);
      assert.equal(text.code, 0, text.stderr);
      const [la, lb] = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`];
      assert.match(text.stdout, /Pool +2 address\(es\) from pool, SNI localhost/);
      assert.match(
        text.stdout,
        /address +leaf +key +chain +staple +TLS +ALPN +tickets +client auth +RTs +tls ms/,
      );
      assert.match(text.stdout, /Ticket keys +shared by none/);
      assert.match(
        text.stdout,
        new RegExp(
          `\\n  ${la.replace(/\./g, '\\.')} +yes +no\\n  ${lb.replace(/\./g, '\\.')} +no +yes\\n`,
        ),
      );
      assert.match(
        text.stdout,
        /Resumption +0 of 4 attempts resumed \(0%\): tickets accepted only by some terminators/,
      );

      const json = await runCli([...pool, '--json']);
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as Report;
      assert.equal(report.target.address, '127.0.0.1');
      assert.deepEqual(
        report.pool?.addresses.map((r) => r.address),
        [la, lb],
      );
      assert.equal(report.pool?.ticketMatrix?.verdict, 'none');
      assert.equal(report.pool?.resumptionRate?.attempts, 4);
      assert.equal(report.pool?.resumptionRate?.cause, 'tickets accepted only by some terminators');
      assert.equal(report.pool?.earlyData.result, 'not-tested');
      const validate = new Ajv({ allErrors: true, strict: false }).compile(
        JSON.parse(readFileSync(SCHEMA, 'utf8')),
      );
      assert.equal(validate(report), true, JSON.stringify(validate.errors, null, 2));
    },
  );

  it('leaves pool null for one address without pool flags', async (t) => {
    const fx = await pkiFixture(t);
    const a = await startTerminator(t, fx);
    const args = [
      'probe',
      `localhost:${a.port}`,
      '--connect-to',
      '127.0.0.1',
      '--ca',
      fx.files.ca!,
      '--json',
    ];
    const { code, stdout, stderr } = await runCli(args);
    assert.equal(code, 0, stderr);
    assert.equal((JSON.parse(stdout) as Report).pool, null);
  });

  it('refuses a bad pool entry with exit 2 and the offending value', async () => {
    const { code, stderr } = await runCli([
      'probe',
      'localhost:1',
      '--pool',
      '127.0.0.1,nohost:443',
    ]);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      "tlsflight: bad --pool entry 'nohost:443': expected ip, ip:port or [v6]:port\n",
    );
  });
});
