import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type NginxOptions, startNginx } from './support/nginx.js';
import { runOpenSsl, runOpenSslClient } from './support/openssl-server.js';

/** File paths of a CA, a localhost leaf it issued, and a stapleable OCSP response. */
interface TestPki {
  ca: string;
  caKey: string;
  leaf: string;
  leafKey: string;
  ocspResponse: string;
}

/** An index.txt expiry field (YYMMDDHHMMSSZ) two days from now. */
function indexDate(): string {
  const iso = new Date(Date.now() + 2 * 86_400_000).toISOString();
  return `${iso.slice(2, 19).replace(/[-T:]/g, '')}Z`;
}

/** Writes the test PKI with the openssl CLI; OCSP runs in file mode (no -port, no socket). */
async function makePki(dir: string): Promise<TestPki> {
  // Relative names under cwd: the commands read as one line each.
  const run = (command: string) => runOpenSsl(command.trim().split(/\s+/), { cwd: dir });
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';
  const caExt = '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign';
  await run(`req -x509 ${ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=tlsflight-CA ${caExt}`);
  await run(`req -new ${ec} -keyout leaf.key -out leaf.csr -subj /CN=localhost`);
  await writeFile(path.join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await run(`x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x1001 -days 2
    -extfile leaf.ext -out leaf.pem`);

  await writeFile(
    path.join(dir, 'index.txt'),
    `V\t${indexDate()}\t\t1001\tunknown\t/CN=localhost\n`,
  );
  await run('ocsp -issuer ca.pem -cert leaf.pem -no_nonce -reqout req.der');
  await run(`ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -reqin req.der
    -respout resp.der -ndays 1`);
  const f = (name: string) => path.join(dir, name);
  return {
    ca: f('ca.pem'),
    caKey: f('ca.key'),
    leaf: f('leaf.pem'),
    leafKey: f('leaf.key'),
    ocspResponse: f('resp.der'),
  };
}

/** GET / over a fresh connection (agent: false), trusting only the test CA. */
async function get(port: number, ca: Buffer) {
  return new Promise<{ status?: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = https.get(
        { host: '127.0.0.1', port, path: '/', servername: 'localhost', ca, agent: false },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
    },
  );
}

describe('nginx harness', () => {
  let dir = '';
  let pki: TestPki;
  let caPem: Buffer;
  let base: NginxOptions;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-nginx-test-'));
    pki = await makePki(dir);
    caPem = await readFile(pki.ca);
    base = { cert: pki.leaf, key: pki.leafKey, chain: pki.ca };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('nginx serves HTTPS on a port-0 socket it inherited from Node', async (t) => {
    const nginx = await startNginx(base);
    t.after(() => nginx.close());

    const res = await get(nginx.port, caPem);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok\n');
    assert.match(nginx.errorLog(), /using inherited sockets from "3;"/);
  });

  test('reload applies a config; a config nginx refuses leaves the old one serving', async (t) => {
    const nginx = await startNginx(base);
    t.after(() => nginx.close());
    const altSvc = 'h3=":443"; ma=60';

    await nginx.reload({ altSvc });
    assert.equal((await get(nginx.port, caPem)).headers['alt-svc'], altSvc);

    await assert.rejects(nginx.reload({ ecdhCurve: 'no-such-curve' }), /\[emerg\].*no-such-curve/);
    const res = await get(nginx.port, caPem);
    assert.equal(res.status, 200);
    assert.equal(res.headers['alt-svc'], altSvc);
  });

  test('a stapling file is stapled: openssl s_client -status reads it', async (t) => {
    const nginx = await startNginx({ ...base, staplingFile: pki.ocspResponse });
    t.after(() => nginx.close());

    const connect = ['-connect', `127.0.0.1:${nginx.port}`, '-servername', 'localhost'];
    const { output } = await runOpenSslClient([...connect, '-status', '-CAfile', pki.ca]);
    assert.match(output, /OCSP Response Status: successful/);
    assert.match(output, /Cert Status: good/);
    assert.match(output, /Verify return code: 0 \(ok\)/);
  });

  test('every TLS option renders into a config nginx accepts', async (t) => {
    const ticketKeyFile = path.join(dir, 'ticket.key');
    await writeFile(ticketKeyFile, Buffer.alloc(80, 7));
    const nginx = await startNginx({
      ...base,
      protocols: 'TLSv1.3',
      ecdhCurve: 'X25519:prime256v1',
      sessionTickets: true,
      ticketKeyFile,
      sessionCache: 'shared',
      verifyClient: 'optional',
      clientCa: pki.ca,
      earlyData: true,
      http2: true,
    });
    t.after(() => nginx.close());

    const connect = ['-connect', `127.0.0.1:${nginx.port}`, '-servername', 'localhost'];
    const { output } = await runOpenSslClient([...connect, '-alpn', 'h2', '-CAfile', pki.ca]);
    assert.match(output, /ALPN protocol: h2/);
    assert.match(output, /New, TLSv1\.3, Cipher/);
    assert.match(output, /Acceptable client certificate CA names\n\/?CN ?= ?tlsflight-CA/);
  });

  test('close() ends master and workers and removes the prefix', async () => {
    const nginx = await startNginx(base);
    const workers = [...nginx.errorLog().matchAll(/start worker process (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    assert.equal(workers.length, 1);
    await nginx.close();

    for (const pid of [nginx.pid, ...workers]) {
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} still runs`);
    }
    assert.equal(existsSync(nginx.prefix), false);
  });

  const refused = [
    { name: 'a ticket key file of 32 bytes', bytes: 32, opts: {} },
    { name: 'verifyClient on without clientCa', bytes: 0, opts: { verifyClient: 'on' } },
  ] as const;
  for (const { name, bytes, opts } of refused) {
    test(`refuses ${name} before nginx starts`, async () => {
      const ticketKeyFile = path.join(dir, `bad-${bytes}.key`);
      await writeFile(ticketKeyFile, Buffer.alloc(bytes));
      const extra = bytes ? { ticketKeyFile } : {};
      await assert.rejects(startNginx({ ...base, ...extra, ...opts }), { code: 'BAD_OPTION' });
    });
  }
});
