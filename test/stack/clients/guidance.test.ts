// The client guidance table (src/clients/guidance.ts) is what drFailover prints and docs/clients.md shows: every
// row is measured in each of the document's generated tables, and the run's next steps sort every row into "follows" or
// "restart" exactly once, by role.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { clientRestartGuidance, clientRows } from '../../../src/clients/guidance';
import { repoRoot } from '../../../stack/local-stack';
import { BEGIN, END } from './render';

describe('client guidance table', () => {
  test('docs/clients.md has a measured outage, switchover and switch-back line for every row of the table', () => {
    const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'clients.md'), 'utf8');
    const generated = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END));
    assert.ok(generated.length > BEGIN.length, 'docs/clients.md has its generated section');
    for (const r of clientRows) {
      const lines = generated
        .split('\n')
        .filter((l) => l.startsWith(`| ${r.client} | ${r.version} | ${r.settings.join(', ') || 'defaults'} |`));
      assert.equal(
        lines.length,
        3,
        `${r.id}: measured once in each of the outage, switchover and switch-back tables (run npm run clients)`,
      );
    }
  });

  test('after an outage the next steps name every row once: as following, or as to restart (with the role)', () => {
    const [follows, restart] = clientRestartGuidance(true);
    for (const r of clientRows) {
      const name = `${r.client} ${r.version}${r.settings.length ? ` (${r.settings.join(', ')})` : ''}`;
      const both = r.outage.producer === 'follows' && r.outage.consumer === 'follows';
      assert.equal(
        follows.split('; ').some((x) => x.replace(/^.*: /, '').replace(/\.$/, '') === name),
        both,
        `${r.id} in the "follows" line`,
      );
      assert.equal(restart.includes(name), !both, `${r.id} in the "restart" line`);
    }
    assert.match(clientRestartGuidance(false)[0], /planned switchover.*restart producers and stop consumers/);
  });
});
