// What the Temporal UI's run list and run page say about an evacuation (the static summary and details kdr sets):
// the selection instead of a pair, who asked, the mode, and what the run changes; an evaluation changes nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCard } from '../../../app/cli/run-card';
import { evacuateInput } from '../../../app/cli/commands/evacuate';

const none = { zone: [], region: [], label: [] };

describe('run cards of drEvacuate and drEvaluateEvacuation', () => {
  test('an evacuation names its selection, the requester, and that one approval releases every pair', () => {
    const input = evacuateInput({ ...none, zone: ['cn-hangzhou-k'], label: ['payments'], parallel: '2' }, 'alice');
    const card = runCard('drEvacuate', input, 'Evacuation requested by alice');
    assert.match(card.details, /^\*\*drEvacuate\*\* of zone cn-hangzhou-k \+ label payments$/m);
    assert.match(card.details, /- requested by: alice/);
    assert.match(card.details, /ONE approval of the evacuation plan releases them/);
    assert.match(card.details, /tier by tier, 2 pair\(s\) at once/);
    assert.doesNotMatch(card.details, /inline config/);
    const practice = runCard('drEvacuate', evacuateInput({ ...none, zone: ['z1'], dryRun: true }, 'alice'), '');
    assert.match(practice.details, /- mode: dry run/);
    assert.match(practice.details, /- changes: nothing: every selected pair plans/);
  });

  test('an evaluation changes nothing and says how it reports', () => {
    const card = runCard('drEvaluateEvacuation', { select: [{ region: 'cn-hangzhou' }], requestedBy: 'bob' }, '');
    assert.match(card.details, /^\*\*drEvaluateEvacuation\*\* of region cn-hangzhou$/m);
    assert.match(card.details, /- changes: nothing: one drill per selected pair/);
  });

  test('a selection cannot inject Markdown into the run page', () => {
    const card = runCard('drEvacuate', { select: [{ label: 'a*b_[x](y)' }], requestedBy: 'alice' }, '');
    assert.doesNotMatch(card.details, /\[x\]\(y\)/);
  });
});
