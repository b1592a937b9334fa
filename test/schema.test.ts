/** The checked-in JSON Schema matches the report model, and real reports validate against it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { REPORT_VERSION } from '../src/report/model.js';
import {
  findingIds,
  pkiFixture,
  probeLocal,
  serverIdentity,
  startHttpsServer,
} from './support/fixtures.js';

const schemaPath = new URL('../../schema/report.schema.json', import.meta.url);
const checkedIn = JSON.parse(readFileSync(schemaPath, 'utf8'));

describe('report schema', () => {
  it(
    'is the schema generated from src/report/model.ts (run `npm run schema` after changing the ' +
      'model)',
    () => {
      const generated = createGenerator({
        path: new URL('../../src/report/model.ts', import.meta.url).pathname,
        tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname,
        type: 'Report',
        schemaId: 'urn:tlsflight:report:1',
      }).createSchema('Report');
      assert.deepEqual(JSON.parse(JSON.stringify(generated)), checkedIn);
    },
  );

  it(
    'accepts a real report of a local endpoint ' + 'and carries the current reportVersion',
    async (t) => {
      const fx = await pkiFixture(t);
      const server = await startHttpsServer(t, serverIdentity(fx.pki));
      const report = await probeLocal(server.port, fx);
      const validate = new Ajv({ allErrors: true, strict: false }).compile(checkedIn);
      const valid = validate(JSON.parse(JSON.stringify(report)));
      assert.equal(valid, true, JSON.stringify(validate.errors, null, 2));
      assert.equal(report.reportVersion, REPORT_VERSION);
      assert.ok(findingIds(report).includes('chain.ok'));
    },
  );

  it('rejects a report whose severity is not one of ok, info, warn, fail', () => {
    const validate = new Ajv({ strict: false }).compile(checkedIn);
    const bad = { findings: [{ id: 'x', severity: 'critical', title: 't', impact: 'i' }] };
    assert.equal(validate(bad), false);
  });
});
