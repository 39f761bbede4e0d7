// The scheduler behind `npm test`: test files run as separate `node --test` processes against the one local stack,
// up to N at a time (each test file owns its task queue, topics, groups, pairs and domain names, so files do not
// see each other), longest first so the run does not end waiting for one slow file. A file that kills or restarts
// shared services, or that cannot share the machine, runs alone after the pool: every file under test/chaos/, and
// any file whose header carries the marker line `// kdr-test: exclusive (<why>)`.
// A file's output is printed whole when it ends, under its own header, so concurrent files never interleave.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXCLUSIVE_MARKER = /^\/\/ kdr-test: exclusive\b/m;

export interface FileResult {
  file: string;
  ok: boolean;
  ms: number;
  tests: number;
  pass: number;
  fail: number;
  skipped: number;
}

/** Runs alone: under test/chaos/, or marked in its first lines (the marker sits next to the reason). */
export function isExclusive(repoRoot: string, file: string): boolean {
  const rel = path.relative(repoRoot, file).split(path.sep).join('/');
  if (rel.startsWith('test/chaos/')) return true;
  const head = fs.readFileSync(file, 'utf8').slice(0, 4000);
  return EXCLUSIVE_MARKER.test(head);
}

/** Seconds each file took last time (written after every run), so the pool starts the slow ones first. */
export class Timings {
  private readonly times: Record<string, number>;
  constructor(
    private readonly saved: string,
    seed: string,
  ) {
    const read = (f: string): Record<string, number> => {
      try {
        return JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, number>;
      } catch {
        return {};
      }
    };
    // The checked-in seed covers a clean clone; the local record of the last runs wins where it has a file.
    this.times = { ...read(seed), ...read(saved) };
  }
  /** Unknown files count as medium: a new stack test is more often slow than not. */
  expected(rel: string): number {
    return this.times[rel] ?? 20;
  }
  record(results: FileResult[]): void {
    for (const r of results) if (!r.file.startsWith('..')) this.times[r.file] = Math.round(r.ms / 100) / 10;
    fs.mkdirSync(path.dirname(this.saved), { recursive: true });
    const sorted = Object.fromEntries(Object.entries(this.times).sort(([a], [b]) => a.localeCompare(b)));
    fs.writeFileSync(this.saved, `${JSON.stringify(sorted, null, 2)}\n`);
  }
}

function counts(out: string): Pick<FileResult, 'tests' | 'pass' | 'fail' | 'skipped'> {
  const n = (what: string) => Number(new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
  return { tests: n('tests'), pass: n('pass'), fail: n('fail'), skipped: n('skipped') };
}

export interface RunOptions {
  repoRoot: string;
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
  /** One file at a time with the output streamed as it comes (a single file, or --concurrency=1 on request). */
  stream: boolean;
}

// Each file runs in a process group of its own, so an interrupted run also stops the test process under
// `node --test` (a broker a test started as a detached process of its own may outlive it).
const running = new Set<ReturnType<typeof spawn>>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const child of running) {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

function runFile(rel: string, o: RunOptions): Promise<FileResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...o.nodeArgs, rel], {
      cwd: o.repoRoot,
      env: o.env,
      detached: true,
      stdio: o.stream ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      running.delete(child);
      const ms = Date.now() - t0;
      const r = { file: rel, ok: code === 0, ms, ...counts(out) };
      if (!o.stream) {
        const mark = r.ok ? '✔' : '✖';
        console.log(`\n━━ ${mark} ${rel} (${(ms / 1000).toFixed(1)} s, ${r.pass}/${r.tests} passed) ━━`);
        process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
        if (!r.ok) console.log(`━━ ✖ ${rel}: exit ${code} ━━`);
      }
      resolve(r);
    });
  });
}

/** Runs `files` (repo-relative) with at most `concurrency` at a time, in the order given. */
export async function runPool(files: string[], concurrency: number, o: RunOptions): Promise<FileResult[]> {
  const queue = [...files];
  const results: FileResult[] = [];
  const lane = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      if (!o.stream) console.log(`▷ ${f} started (${files.length - queue.length}/${files.length})`);
      results.push(await runFile(f, o));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, lane));
  return results;
}

export function summary(results: FileResult[], wallMs: number): string {
  const sum = (k: 'tests' | 'pass' | 'fail' | 'skipped') => results.reduce((a, r) => a + r[k], 0);
  const failed = results.filter((r) => !r.ok);
  const rows = [...results]
    .sort((a, b) => b.ms - a.ms)
    .map((r) => `  ${r.ok ? '✔' : '✖'} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.file}`);
  return [
    '',
    `test files (slowest first; ${results.length} files, ${(results.reduce((a, r) => a + r.ms, 0) / 1000).toFixed(0)} s of file time in ${(wallMs / 1000).toFixed(0)} s):`,
    ...rows,
    `tests ${sum('tests')}, pass ${sum('pass')}, fail ${sum('fail')}, skipped ${sum('skipped')}`,
    failed.length
      ? `FAILED files (${failed.length}):\n${failed.map((r) => `  ✖ ${r.file}`).join('\n')}`
      : 'all files passed',
  ].join('\n');
}
