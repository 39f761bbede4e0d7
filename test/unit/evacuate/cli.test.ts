// `kdr evacuate`: the flags become one selection set each (validated as the workflow will), and --status prints the
// table an operator reads at 3 a.m.: every pair's phase, step, lag, lost/dup bound, the blocked ones with the command
// that resolves them, and the RTO so far.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../../src/config';
import { EvacuateInputSchema as Schema } from '../../../src/config/evacuation';
import { evacuateInput, statusText } from '../../../app/cli/commands/evacuate';
import type { EvacuationView } from '../../../src/evacuation/types';

const none = { zone: [], region: [], label: [] };

describe('kdr evacuate', () => {
  test("each flag is one set; a bad zone is refused naming the flag's field", () => {
    const input = evacuateInput(
      { ...none, zone: ['cn-hangzhou-k'], pairs: 'a, b', parallel: '2', dryRun: true },
      'alice',
    );
    assert.deepEqual(input.select, [{ zone: 'cn-hangzhou-k' }, { pairs: ['a', 'b'] }]);
    const ok = validate(Schema, input);
    assert.ok(ok.ok);
    assert.equal(ok.ok && ok.value.parallel, 2);
    const bad = validate(Schema, evacuateInput({ ...none, zone: ['Zone A'] }, 'alice'));
    assert.ok(!bad.ok && /select\[0\]\.zone/.test(bad.message), bad.ok ? '' : bad.message);
    const two = validate(Schema, { select: [{ zone: 'z', region: 'cn-hangzhou' }], requestedBy: 'alice' });
    assert.ok(!two.ok && /exactly one of "region", "zone", "label" or "pairs"/.test(two.message));
  });

  test('--status: every pair, the blocked one with its resolve command, the RTO so far', () => {
    const plan = {
      mode: 'outage',
      groups: 2,
      partitions: 4,
      duplicateBound: 17,
      untranslated: 0,
      liveGroups: 0,
      latencyMs: 120,
      cname: { domain: 'a.kdr.test', from: 'p', to: 's' },
      warnings: [],
    };
    const view: EvacuationView = {
      workflowId: 'dr-evacuate',
      phase: 'failing-over',
      dryRun: false,
      select: 'zone cn-hangzhou-k',
      parallel: 2,
      requestedBy: 'alice',
      startedAt: '2026-01-01T00:00:00.000Z',
      approvedBy: ['bob'],
      planId: 'ev-1',
      released: { a: 'p-a', b: 'p-b' },
      rows: [
        {
          pair: 'a',
          tier: 1,
          workflowId: 'dr-failover-a',
          phase: 'completed',
          switched: true,
          released: true,
          planId: 'p-a',
          plan,
          ended: { outcome: 'completed', note: '', at: '2026-01-01T00:01:00.000Z' },
        },
        {
          pair: 'b',
          tier: 1,
          workflowId: 'dr-failover-b',
          phase: 'blocked',
          switched: false,
          released: true,
          planId: 'p-b',
          plan,
          blocked: { step: 'reset-offsets', error: 'GroupsHaveLiveMembers: stop their consumers' },
        },
      ],
      rto: { sinceMs: 95_000, allSwitched: false, switched: 1, of: 2 },
    };
    const text = statusText(view);
    assert.match(text, /RTO 95 s so far: 1\/2 CNAME\(s\) switched/);
    assert.match(text, /plan ev-1 approved by bob/);
    assert.match(text, /^1 +a +completed .*120 +0\/17 +switched/m);
    assert.match(text, /^1 +b +blocked +reset-offsets .*BLOCKED: GroupsHaveLiveMembers/m);
    assert.match(text, /BLOCKED b: fix the cause, then kdr resolve dr-failover-b retry --by <you>/);
  });
});
