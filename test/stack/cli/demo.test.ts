// The README's first command, as a newcomer runs it: `npm run demo -- --yes` on the local stack. It must set up a
// pair, fail it over with live traffic, and report from the applications' own records that nothing was lost and
// the re-reads stayed within the bound the plan stated.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../../../stack/local-stack';

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'stack', 'demo.ts'), '--yes'], {
      cwd: repoRoot,
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo -- --yes', () => {
  test('sets up a pair, fails it over with live traffic, and reports 0 lost and re-reads within the bound per group', async () => {
    const { code, stdout, stderr } = await runDemo();
    const shown = `exit ${code}\n--- stdout (end)\n${stdout.slice(-3000)}\n--- stderr (end)\n${stderr.slice(-2000)}`;
    assert.equal(code, 0, shown);
    assert.match(
      stdout,
      /Temporal UI|http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/dr-setup-demo-/,
      shown,
    );
    const header = stdout
      .split('\n')
      .findIndex((l) =>
        /^GROUP\s+PRODUCED\s+ON PRIMARY\s+ON SECONDARY\s+LOST\s+DUPLICATES\s+AFTER PLAN\s+PLAN BOUND\s+WITHIN BOUND/.test(
          l,
        ),
      );
    assert.ok(header >= 0, `the report table is printed\n${shown}`);
    const rows = stdout
      .split('\n')
      .slice(header + 1)
      .filter((l) => /^demo-\S+\s+\d+/.test(l));
    assert.equal(rows.length, 3, `one row per consumer group\n${shown}`);
    for (const row of rows) {
      const [group, produced, , , lost, , , , within] = row.trim().split(/\s+/);
      assert.ok(Number(produced) > 0, `${group}: traffic ran`);
      assert.equal(lost, '0', `${group}: nothing lost`);
      assert.equal(within, 'yes', `${group}: re-reads within the plan's bound`);
    }
    assert.match(
      stdout,
      /Consumers resumed on the secondary through demo-\S+\.kdr\.test: lost 0, duplicates \d+\./,
      shown,
    );
  });
});
