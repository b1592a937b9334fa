/**
 * Shared bench plumbing: a lab PKI on disk, bounded child-process runs, medians, and the
 * result shape every bench returns to bench/run.ts. Benches are not tests: they print figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLabPki, type LabPki, writeLabPki } from '../../src/pki/pki.js';
import { type ChildRun, runChild } from '../../test/support/cli.js';

/** The compiled CLI entry point (shared with the tests). */
export { CLI } from '../../test/support/cli.js';

/** What one bench measured: rows for the console and the markdown snippet. */
export interface BenchResult {
  title: string;
  /** The command(s) compared, as a user would type them. */
  commands: string[];
  /** Header and rows of a small table. */
  header: string[];
  rows: string[][];
  notes: string[];
  /** Output of a bench run as its own process, shown as is. */
  raw?: string;
}

/** A lab PKI written to a temp folder, removed by `dispose`. */
export async function benchPki(): Promise<{
  pki: LabPki;
  files: Record<string, string>;
  dir: string;
  dispose: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tlsflight-bench-'));
  const pki = await createLabPki();
  const files = await writeLabPki(pki, dir);
  return { pki, files, dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** How a bounded child run ended (stdout, stderr, exit code, wall time in ms). */
export type RunOutput = ChildRun;

/**
 * Runs a command to completion (SIGKILL after `timeoutMs`, 120 s by default), with optional
 * stdin.
 */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<RunOutput> {
  return runChild(cmd, args, { timeoutMs: 120_000, ...opts });
}

/** `taskset -c CPU` in front of a command when there are cores to pin to, else nothing. */
export function pinned(cpu: number, cmd: string, args: string[]): [string, string[]] {
  return os.availableParallelism() > cpu
    ? ['taskset', ['-c', String(cpu), cmd, ...args]]
    : [cmd, args];
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A number with `digits` decimals. */
export const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** True when this module is the process's entry point (a bench run on its own). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/** Prints a result as a small aligned table. */
export function printResult(r: BenchResult): void {
  const widths = r.header.map((h, i) => Math.max(h.length, ...r.rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`\n== ${r.title}\n${r.commands.map((c) => `$ ${c}`).join('\n')}\n`);
  if (r.rows.length) process.stdout.write(`${line(r.header)}\n${r.rows.map(line).join('\n')}\n`);
  if (r.raw) process.stdout.write(`${r.raw.trimEnd()}\n`);
  for (const note of r.notes) process.stdout.write(`note: ${note}\n`);
}

/** The result as a markdown section. */
export function markdown(r: BenchResult): string {
  // Padded to the widest cell, as the formatter (biome) lays out markdown tables.
  const widths = r.header.map((h, i) => Math.max(h.length, 3, ...r.rows.map((x) => x[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return [
    `### ${r.title}`,
    '',
    '```',
    ...r.commands,
    '```',
    '',
    ...(r.rows.length ? [row(r.header), rule, ...r.rows.map(row)] : []),
    ...(r.raw ? ['```', r.raw.trimEnd(), '```'] : []),
    ...(r.notes.length ? ['', ...r.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}
