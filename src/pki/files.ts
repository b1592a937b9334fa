/** Writing PEM files and PKCS#12 bundles for servers, clients and tests. */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describeError, TlsflightError } from '../errors.js';

/**
 * Writes PEM files into `dir` (created 0700); private keys get mode 0600. Returns name → path.
 */
export async function writePem(
  dir: string,
  files: Record<string, string>,
): Promise<Record<string, string>> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const paths: Record<string, string> = {};
  for (const [name, pem] of Object.entries(files)) {
    const file = path.join(dir, name);
    const mode = pem.includes('PRIVATE KEY') ? 0o600 : 0o644;
    await fs.writeFile(file, pem, { mode });
    await fs.chmod(file, mode); // writeFile's mode only applies when it creates the file
    paths[name] = file;
  }
  return paths;
}

/** Options of exportPkcs12. */
export interface Pkcs12Options {
  certPem: string;
  keyPem: string;
  /** Extra certificates (intermediates) to bundle. */
  chainPem?: string;
  passphrase: string;
  outPath: string;
  /** RC2-40 / 3DES as before OpenSSL 3, which OpenSSL 3 refuses to read by default. */
  legacy?: boolean;
}

/** Writes a PKCS#12 file with `openssl pkcs12 -export` (Node cannot write PKCS#12). */
export async function exportPkcs12(opts: Pkcs12Options): Promise<string> {
  // Cert, key and chain go in on stdin (openssl picks the cert matching the key);
  // the passphrase goes through the environment so it never shows in the process list.
  const args = ['pkcs12', '-export', '-out', opts.outPath, '-passout', `env:${PASS_ENV}`];
  if (opts.legacy) args.push('-legacy');
  const input = opts.keyPem + opts.certPem + (opts.chainPem ?? '');
  const env = { ...process.env, [PASS_ENV]: opts.passphrase };
  const { code, stderr } = await runWithInput('openssl', args, input, env);
  if (code !== 0) {
    throw new TlsflightError(
      'WRITE_FAILED',
      `cannot write PKCS#12 ${opts.outPath}: openssl pkcs12 exited ${code}: ${stderr.trim()}`,
    );
  }
  return opts.outPath;
}

const PASS_ENV = 'TLSFLIGHT_PKCS12_PASS';

function runWithInput(
  cmd: string,
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (err) =>
      reject(new TlsflightError('WRITE_FAILED', `cannot run ${cmd}: ${describeError(err)}`)),
    );
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(input);
  });
}
