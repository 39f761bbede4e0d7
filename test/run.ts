// `npm test`: brings the local stack up when it is not running (reusing it when it is), then runs every
// test/**/*.test.ts with node's test runner against the real services. `npm test -- test/stack/kafka` runs a subset.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../stack/local-stack';
import { isUp, up } from '../stack/stack';

function findTests(dir: string): string[] {
  if (fs.statSync(dir).isFile()) return dir.endsWith('.test.ts') ? [dir] : [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.name === 'fixtures' || e.name === 'helpers' ? [] : findTests(path.join(dir, e.name))))
    .sort();
}

/** The full run also type-checks and lints, so a red CI names the file before any service starts. */
function staticChecks(): void {
  for (const [what, bin, args] of [
    ['type check', 'tsc', ['--noEmit', '-p', '.']],
    ['lint (workflows/ stay deterministic)', 'eslint', ['.']],
  ] as const) {
    const r = spawnSync(path.join(repoRoot, 'node_modules', '.bin', bin), [...args], {
      stdio: 'inherit',
      cwd: repoRoot,
    });
    if (r.status !== 0) throw new Error(`${what} failed (${bin} ${args.join(' ')})`);
    console.log(`${what}: ok`);
  }
}

/**
 * Tiers are folders: test/unit/ needs the Temporal dev server only (no Kafka, Connect or emulator; `npm run test:unit`,
 * about a minute), test/stack/ needs the whole local stack, test/chaos/ kills and restarts services. test/helpers/
 * and any fixtures/ folder hold support code, never tests.
 */
const UNIT_TIER = 'test/unit';

async function main(): Promise<number> {
  const unit = process.argv.includes('--unit');
  const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const files = (roots.length ? roots : unit ? [UNIT_TIER] : ['test']).flatMap((r) =>
    findTests(path.resolve(repoRoot, r)),
  );
  if (files.length === 0) {
    console.error(`no *.test.ts files under ${roots.join(' ') || 'test/'}`);
    return 1;
  }
  const t0 = Date.now();
  if (roots.length === 0 && !unit) staticChecks();
  const only = unit ? ['temporal'] : undefined;
  if (unit) process.env.KDR_TEST_TIER = 'unit';
  if (await isUp(only)) {
    console.log('local stack: already running, reusing it');
  } else {
    console.log('local stack: starting (npm run stack:down stops it)');
    await up((line) => console.log(`  ${line}`), only);
  }
  console.log(`local stack ready after ${((Date.now() - t0) / 1000).toFixed(1)}s; running ${files.length} test files`);
  // --test-force-exit: a test that fails half-way may leave a client connected; the run must still end.
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-timeout=600000',
      '--test-force-exit',
      '--test-reporter=spec',
      ...process.argv.slice(2).filter((a) => a.startsWith('-') && a !== '--unit'),
      ...files.map((f) => path.relative(repoRoot, f)),
    ],
    { stdio: 'inherit', cwd: repoRoot, env: { ...process.env, KDR_TEST: '1' } },
  );
  console.log(`npm test finished in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  return r.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`${err.name}: ${err.message}`);
    process.exit(1);
  },
);
