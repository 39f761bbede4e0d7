// drEvacuate's logic, fast: the real workflows (drEvacuate and its drFailover children) on a private Temporal dev
// server, every cluster-touching activity a stub (test/unit/runbooks/stubs), the evacuation's run-reading
// activities real. One plan and one approval for every pair, the tier order, a blocked pair that holds no other,
// the refusals at start (nothing started), a dry run, and that nobody can loosen or forge an approval.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approveSignal, planQuery, resolveSignal } from '../../../workflows/definitions';
import { evacuationQuery } from '../../../workflows/evacuate/definitions';
import type { EvacuationPlan } from '../../../src/evacuation/types';
import { failure } from '../runbooks/stubs/activities';
import { awaitingApproval, status, until } from '../runbooks/stubs/run';
import { estateStubs } from './stubs';
import { changes, child, evacuate, started, useEvacuationEnv, zoneEstate } from './harness';

useEvacuationEnv();

describe('drEvacuate (stubbed clusters, real runs)', () => {
  test('one plan sealing every member plan, one approval; tier 1 switches before tier 2 starts; one set of notifications', async () => {
    const e = zoneEstate();
    const [a, b, c, other] = e.pairs.map((p) => p.name);
    const result = await evacuate(
      e,
      estateStubs(e),
      { select: [{ zone: 'cn-hangzhou-k' }], parallel: 1 },
      async (h) => {
        const waiting = await awaitingApproval(h);
        for (const p of [a, b, c]) assert.deepEqual(changes(e, p), [], `${p}: nothing changed before the approval`);
        assert.equal(await started(other), false, 'a pair in another zone is not touched');
        const shown = (await h.query(planQuery))!;
        const evac = shown.plan as unknown as EvacuationPlan;
        assert.equal(shown.planId, waiting.planId);
        assert.deepEqual(
          evac.pairs.map((p) => p.pair),
          [b, c, a].sort((x, y) => (x === a ? 1 : y === a ? -1 : x.localeCompare(y))),
          'tier 1 first',
        );
        for (const p of evac.pairs) {
          const own = (await child(p.pair).query(planQuery))!;
          assert.equal(p.planId, own.planId, `${p.pair}: the evacuation seals the member's exact plan`);
          assert.equal(p.plan.mode, 'switchover');
          assert.equal(p.plan.duplicateBound, 8);
          assert.deepEqual(p.plan.cname, own.plan.cname);
        }
        // A member's own first approval is the evacuation's: approving the member directly is refused.
        await child(b).signal(approveSignal, { by: 'bob', planId: evac.pairs[0].planId });
        await until(
          () => status(child(b)),
          (s) => s.audit.some((x) => x.action === 'approve' && !x.accepted),
          'the direct approval refused',
        );
        // The requester may not approve the evacuation.
        await h.signal(approveSignal, { by: 'alice', planId: shown.planId });
        await h.signal(approveSignal, { by: 'bob', planId: shown.planId });
        const r = await h.result();
        return { ...r, view: await h.query(evacuationQuery) };
      },
    );
    assert.equal(result.outcome, 'completed');
    if (result.dryRun) throw new Error('not a dry run');
    assert.deepEqual(result.approvedBy, ['bob']);
    assert.equal(result.completed, 3);
    assert.ok(
      result.audit.some((x) => x.action === 'approve' && x.by === 'alice' && !x.accepted),
      'self-approval refused',
    );
    for (const p of [a, b, c]) {
      const r = await child(p).result();
      assert.equal(r.outcome, 'completed');
      if (r.dryRun) throw new Error('not a dry run');
      assert.deepEqual(
        r.approvedBy.map((x) => x.by),
        ['bob'],
        `${p}: approved by the evacuation's approver`,
      );
      assert.equal(e.worlds.get(p)!.cname, 'secondary.kdr.test');
    }
    // Tier 1 (b, c, one at a time) switched before tier 2 (a) was released.
    const order = result.audit
      .filter((x) => x.action === 'release' || x.action === 'pair-switched')
      .map((x) => `${x.action} ${x.note?.split(' ')[0]}`);
    assert.ok(
      order.indexOf(`pair-switched ${b}:`) < order.indexOf(`release ${c}`),
      `b switched before c starts: ${order.join(', ')}`,
    );
    assert.ok(
      order.indexOf(`pair-switched ${c}:`) < order.indexOf(`release ${a}`),
      `tier 1 switched before tier 2: ${order.join(', ')}`,
    );
    const kinds = e.events.map((x) => `${x.event.kind}:${x.event.pair}`);
    assert.ok(
      !e.events.some((x) => x.member === 'member-reported-itself'),
      `no member notifies on its own: ${kinds.join(', ')}`,
    );
    assert.equal(kinds.filter((k) => k.startsWith('evacuation-started')).length, 1);
    assert.equal(kinds.filter((k) => k.startsWith('approval-needed')).length, 1, kinds.join(', '));
    for (const p of [a, b, c]) assert.ok(kinds.includes(`run-completed:${p}`), `${p} done reported`);
    const view = result.view;
    assert.equal(view.rto.allSwitched, true);
    assert.equal(view.rows.length, 3);
  });

  test('a blocked pair holds no other: listed and reported; resolved on its own run, the evacuation completes', async () => {
    const e = zoneEstate();
    const [a, b, c] = e.pairs.map((p) => p.name);
    let broken = true;
    const stubs = estateStubs(e, {
      [c]: {
        async resetGroups(_p, batch) {
          if (broken) throw failure('ResetFailed', 'secondary refuses the offsets (simulated)');
          return { done: batch.map((g) => ({ group: g.group, changes: [] })), live: [], failed: [] };
        },
      },
    });
    await evacuate(e, stubs, { select: [{ zone: 'cn-hangzhou-k' }], parallel: 1 }, async (h) => {
      const waiting = await awaitingApproval(h);
      await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      const view = await until(
        () => h.query(evacuationQuery),
        (v) => v.rows.filter((r) => r.ended?.outcome === 'completed').length === 2 && v.rows.some((r) => r.blocked),
        'the others done while c is blocked',
        60_000,
      );
      assert.deepEqual(view.rows.find((r) => r.blocked)!.pair, c);
      assert.equal(view.rows.find((r) => r.pair === c)!.blocked!.step, 'reset-offsets');
      assert.ok(
        e.events.some((x) => x.event.kind === 'step-blocked' && x.event.pair === c && x.member === `dr-failover-${c}`),
        'the block is reported, naming the member run',
      );
      assert.equal((await status(h)).phase, 'failover');
      broken = false;
      await child(c).signal(resolveSignal, { action: 'retry', by: 'bob' });
      const result = await h.result();
      assert.equal(result.outcome, 'completed');
      if (result.dryRun) throw new Error('not a dry run');
      assert.equal(result.completed, 3);
      void a;
      void b;
    });
  });
});
