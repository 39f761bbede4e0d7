// `npm test`: brings the local stack up when it is not running (reusing it when it is), then runs every
// test/**/*.test.ts against the real services, several files at a time (test/run-pool.ts says which run alone).
// `npm test -- test/stack/kafka` runs a subset; `--concurrency=N` (or KDR_TEST_CONCURRENCY) sets how many files
// run at once, 1 for the old one-after-another run.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, stackDir } from '../stack/local-stack';
import { isUp, up } from '../stack/stack';
import { workflowsPath } from '../app/worker';
import { prebuildBundles } from '../stack/harness/temporal';
import { isExclusive, runPool, summary, Timings } from './run-pool';

/**
 * Files at once in the pool. The files mostly wait (on replication, on drWatch ticks, on brokers they start), so
 * twice the cores keeps the CPU busy without starving the stack's brokers and Connect of it.
 */
const DEFAULT_CONCURRENCY = 4;

function findTests(dir: string): string[] {
  if (fs.statSync(dir).isFile()) return dir.endsWith('.test.ts') ? [dir] : [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.name === 'fixtures' || e.name === 'helpers' ? [] : findTests(path.join(dir, e.name))))
    .sort();
}

/** The fixture workflows the tests run on the dev server (every fixtures/workflows.ts under test/). */
function findFixtureWorkflows(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findFixtureWorkflows(p);
    return e.name === 'workflows.ts' && path.basename(dir) === 'fixtures' ? [p] : [];
  });
}

/**
 * The full run also type-checks and lints, so a red CI names the file before any test runs. Both run while the
 * stack starts (its services mostly wait on the JVM), and the tests start only when both are green.
 */
function staticChecks(): Promise<void> {
  const checks = [
    ['type check', 'tsc', ['--noEmit', '-p', '.']],
    ['lint (floors, workflows/ stay deterministic)', 'eslint', ['.']],
    ['format (Prettier, 120 columns)', 'prettier', ['--check', '--log-level', 'warn', '.']],
  ] as const;
  return Promise.all(
    checks.map(
      ([what, bin, args]) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(path.join(repoRoot, 'node_modules', '.bin', bin), [...args], { cwd: repoRoot });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          child.on('close', (code) => {
            process.stdout.write(out);
            if (code !== 0) reject(new Error(`${what} failed (${bin} ${args.join(' ')})`));
            else {
              console.log(`${what}: ok`);
              resolve();
            }
          });
        }),
    ),
  ).then(() => undefined);
}

/**
 * Tiers are folders: test/unit/ needs the Temporal dev server only (no Kafka, Connect or emulator; `npm run test:unit`,
 * about a minute), test/stack/ needs the whole local stack, test/chaos/ kills and restarts services. test/helpers/
 * and any fixtures/ folder hold support code, never tests.
 */
const UNIT_TIER = 'test/unit';

function concurrencyOf(argv: string[]): number {
  const flag = argv.find((a) => a.startsWith('--concurrency='))?.split('=')[1];
  const raw = flag ?? process.env.KDR_TEST_CONCURRENCY;
  if (raw === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--concurrency / KDR_TEST_CONCURRENCY must be a whole number >= 1, got "${raw}"`);
  return n;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const unit = argv.includes('--unit');
  const concurrency = concurrencyOf(argv);
  const roots = argv.filter((a) => !a.startsWith('-'));
  const files = (roots.length ? roots : unit ? [UNIT_TIER] : ['test']).flatMap((r) =>
    findTests(path.resolve(repoRoot, r)),
  );
  if (files.length === 0) {
    console.error(`no *.test.ts files under ${roots.join(' ') || 'test/'}`);
    return 1;
  }
  const t0 = Date.now();
  const checks = roots.length === 0 && !unit ? staticChecks() : Promise.resolve();
  checks.catch(() => undefined); // awaited below, after the stack: its failure still ends the run before any test
  // Every test process would bundle the same workflows with webpack (seconds of CPU each): bundle them once.
  const bundleDir = files.length > 3 ? path.join(stackDir, 'test-bundles', String(process.pid)) : undefined;
  const bundles = bundleDir
    ? prebuildBundles(bundleDir, [workflowsPath, ...findFixtureWorkflows(path.join(repoRoot, 'test'))])
    : Promise.resolve();
  bundles.catch(() => undefined);
  const only = unit ? ['temporal'] : undefined;
  if (unit) process.env.KDR_TEST_TIER = 'unit';
  if (await isUp(only)) {
    console.log('local stack: already running, reusing it');
  } else {
    console.log('local stack: starting (npm run stack:down stops it)');
    await up((line) => console.log(`  ${line}`), only);
  }
  await checks;
  await bundles;
  if (bundleDir) console.log(`workflow bundles: made once for the run in ${path.relative(repoRoot, bundleDir)}`);
  const timings = new Timings(path.join(stackDir, 'test-times.json'), path.join(repoRoot, 'test', 'timings.json'));
  const rel = files.map((f) => path.relative(repoRoot, f).split(path.sep).join('/'));
  const slowestFirst = (a: string, b: string) => timings.expected(b) - timings.expected(a);
  const alone = rel.filter((f) => isExclusive(repoRoot, path.join(repoRoot, f)));
  const shared = rel.filter((f) => !alone.includes(f)).sort(slowestFirst);
  console.log(
    `local stack ready after ${((Date.now() - t0) / 1000).toFixed(1)}s; running ${files.length} test files ` +
      `(${shared.length} up to ${concurrency} at a time, then ${alone.length} alone)`,
  );
  // --test-force-exit: a test that fails half-way may leave a client connected; the file must still end.
  const nodeArgs = [
    '--import',
    'tsx',
    '--test',
    '--test-timeout=600000',
    '--test-force-exit',
    '--test-reporter=spec',
    ...argv.filter((a) => a.startsWith('-') && a !== '--unit' && !a.startsWith('--concurrency=')),
  ];
  const env = { ...process.env, KDR_TEST: '1', ...(bundleDir ? { KDR_TEST_BUNDLE_DIR: bundleDir } : {}) };
  const stream = files.length === 1;
  const results = [
    ...(await runPool(shared, concurrency, { repoRoot, nodeArgs, env, stream })),
    ...(await runPool(alone, 1, { repoRoot, nodeArgs, env, stream })),
  ];
  if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  timings.record(results);
  console.log(summary(results, Date.now() - t0));
  console.log(`npm test finished in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`${err.name}: ${err.message}`);
    process.exit(1);
  },
);
