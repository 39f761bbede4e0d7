// drEvacuate's logic, fast: the real workflows (drEvacuate and its drFailover children) on a private Temporal dev
// server, every cluster-touching activity a stub (test/unit/runbooks/stubs), the evacuation's run-reading
// activities real. One plan and one approval for every pair, the tier order, a blocked pair that holds no other,
// the refusals at start (nothing started), a dry run, and that nobody can loosen or forge an approval.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { drEvacuate } from '../../../workflows/dr-evacuate';
import type { drFailover } from '../../../workflows/dr-failover';
import { approveSignal, planQuery, rejectSignal, resolveSignal } from '../../../workflows/definitions';
import { evacuationQuery, evacuationReleaseSignal } from '../../../workflows/evacuate/definitions';
import type { EvacuationPlan } from '../../../src/evacuation/types';
import { failure, group, plan } from '../runbooks/stubs/activities';
import { evacuationEnv, type EvacuationEnv } from './env';
import { stubPair } from '../runbooks/stubs/pair';
import { awaitingApproval, endedWith, status, until } from '../runbooks/stubs/run';
import { estate, estateStubs, type Estate } from './stubs';
import type { Stubs } from '../runbooks/stubs/activities';

let env: EvacuationEnv;
before(async () => {
  env = await evacuationEnv();
});
after(async () => {
  await env?.teardown();
});

type Input = Record<string, unknown>;

async function evacuate<T>(
  e: Estate,
  stubs: Stubs,
  input: Input,
  fn: (h: WorkflowHandle<typeof drEvacuate>, taskQueue: string) => Promise<T>,
): Promise<T> {
  return env.withWorker(stubs, async (taskQueue) => {
    const h = await env.client.workflow.start<typeof drEvacuate>('drEvacuate', {
      taskQueue,
      workflowId: `dr-evacuate-${e.pairs[0].name}`,
      args: [{ requestedBy: 'alice', ...input }],
    });
    return fn(h, taskQueue);
  });
}

const child = (pair: string) => env.client.workflow.getHandle<typeof drFailover>(`dr-failover-${pair}`);
const changes = (e: Estate, pair: string) =>
  e.worlds
    .get(pair)!
    .calls.map((c) => c.name)
    .filter((n) => ['resetGroups', 'ensureCname', 'pauseReplication'].includes(n));
const started = async (pair: string) =>
  child(pair)
    .describe()
    .then(
      () => true,
      () => false,
    );

function zoneEstate() {
  const a = stubPair('eva');
  const b = stubPair('evb');
  const c = stubPair('evc');
  const other = stubPair('evo');
  return estate([
    { pair: a, zone: 'cn-hangzhou-k', region: 'cn-hangzhou', tier: 2 },
    { pair: b, zone: 'cn-hangzhou-k', region: 'cn-hangzhou', tier: 1 },
    { pair: c, zone: 'cn-hangzhou-k', region: 'cn-hangzhou', tier: 1, labels: ['payments'] },
    { pair: other, zone: 'cn-hangzhou-j', region: 'cn-hangzhou', tier: 1 },
  ]);
}

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

  test('dry run: every pair plans, the evacuation plan is shown, nothing changes', async () => {
    const e = zoneEstate();
    const [, b, c] = e.pairs.map((p) => p.name);
    // c's secondary has a consumer in a planned group: the real evacuation would block there.
    const stubs = estateStubs(e, {
      [c]: {
        async planOffsets(p) {
          const busy = plan(p.name, [{ ...group('billing', 5), liveMembers: 1 }]);
          return { ...busy, totals: { ...busy.totals, liveGroups: 1 } };
        },
      },
    });
    const result = await evacuate(e, stubs, { select: [{ label: 'payments' }, { pairs: [b] }], dryRun: true }, (h) =>
      h.result(),
    );
    assert.equal(result.outcome, 'completed');
    if (!result.dryRun) throw new Error('a dry run');
    assert.deepEqual(result.plan.pairs.map((p) => p.pair).sort(), [b, c].sort());
    assert.ok(
      result.findings.some((f) => f.includes(c) && /live members/.test(f)),
      `the practice run finds c's blocker: ${result.findings.join('; ')}`,
    );
    const alert = e.events.find((x) => x.event.kind === 'drill-failed');
    assert.ok(alert, 'the findings page the evacuation targets');
    for (const p of [b, c]) {
      assert.deepEqual(changes(e, p), []);
      const r = await child(p).result();
      assert.equal(r.dryRun, true);
    }
  });

  test('rejected: every member ends with nothing changed', async () => {
    const e = zoneEstate();
    const [a, b, c] = e.pairs.map((p) => p.name);
    await evacuate(e, estateStubs(e), { select: [{ zone: 'cn-hangzhou-k' }] }, async (h) => {
      await awaitingApproval(h);
      await h.signal(rejectSignal, { by: 'bob', reason: 'the zone is back' });
      const { failure: f } = await endedWith(h);
      assert.equal(f.type, 'Rejected');
      for (const p of [a, b, c]) {
        const { failure: m } = await endedWith(child(p));
        assert.match(m.message, /not released/);
        assert.deepEqual(changes(e, p), []);
      }
    });
  });

  for (const [what, input, setup, expected] of [
    ['an empty selection', { select: [{ label: 'nobody' }] }, () => undefined, /label nobody selects no pair/],
    [
      'an unknown zone',
      { select: [{ zone: 'cn-hangzhou-x' }] },
      () => undefined,
      /unknown zone cn-hangzhou-x.*known zones: cn-hangzhou-j, cn-hangzhou-k/,
    ],
    ['an unknown region', { select: [{ region: 'eu-west-1' }] }, () => undefined, /unknown region eu-west-1/],
    [
      'a pair in two selected sets',
      { select: [{ zone: 'cn-hangzhou-k' }, { label: 'payments' }] },
      () => undefined,
      /is selected twice \(zone cn-hangzhou-k and label payments\)/,
    ],
    [
      'a pair already failed over',
      { select: [{ zone: 'cn-hangzhou-k' }] },
      (e: Estate) => {
        e.blockers.push({ pair: e.pairs[1].name, failedOver: 'x -> secondary.kdr.test', running: [] });
      },
      /already failed over.*evb-/,
    ],
    [
      'a pair mid-failback',
      { select: [{ zone: 'cn-hangzhou-k' }] },
      (e: Estate) => {
        e.blockers.push({ pair: e.pairs[0].name, running: [`dr-failback-${e.pairs[0].name}`] });
      },
      /failover or failback is running.*dr-failback-eva-/,
    ],
    [
      'two evacuations at once',
      { select: [{ zone: 'cn-hangzhou-k' }] },
      (e: Estate) => {
        e.running.push('dr-evacuate');
      },
      /another evacuation is running \(dr-evacuate\)/,
    ],
    [
      "an evacuation policy looser than a pair's",
      { select: [{ zone: 'cn-hangzhou-k' }] },
      (e: Estate) => {
        e.facts[0].approval = { ...e.facts[0].approval, required: 2 };
        e.evacuationPolicy = { ...e.facts[1].approval, required: 1 };
      },
      /evacuation\.approval is looser.*required 1 is below the pair's 2/,
    ],
  ] as const) {
    test(`refused at start, nothing started: ${what}`, async () => {
      const e = zoneEstate();
      (setup as (e: Estate) => void)(e);
      await evacuate(e, estateStubs(e), input, async (h) => {
        const { failure: f } = await endedWith(h);
        assert.equal(f.type, 'Refused');
        assert.match(f.message, expected);
        for (const p of e.pairs) assert.equal(await started(p.name), false, `${p.name}: no failover started`);
      });
    });
  }

  test('a member run cannot be started with evacuation: true from outside, nor released by a forged signal', async () => {
    const e = zoneEstate();
    const [a, b, c] = e.pairs.map((p) => p.name);
    await env.withWorker(estateStubs(e), async (taskQueue) => {
      const h = await env.client.workflow.start<typeof drFailover>('drFailover', {
        taskQueue,
        workflowId: `dr-failover-${a}`,
        args: [{ pair: a, requestedBy: 'mallory', evacuation: true }],
      });
      const { failure: f } = await endedWith(h);
      assert.equal(f.type, 'Refused');
      assert.match(f.message, /set by drEvacuate/);
    });
    await evacuate(e, estateStubs(e), { select: [{ pairs: [b, c] }] }, async (h) => {
      await awaitingApproval(h);
      const own = (await child(b).query(planQuery))!;
      // Anyone may send the signal; the member checks it with its parent, which released nothing yet.
      await child(b).signal(evacuationReleaseSignal, { planId: own.planId });
      await until(
        () => status(child(b)),
        (s) => s.audit.some((x) => x.action === 'approve' && !x.accepted && /has not released/.test(x.reason ?? '')),
        'the forged release refused',
      );
      assert.deepEqual(changes(e, b), []);
      await h.signal(rejectSignal, { by: 'bob', reason: 'test over' });
      await endedWith(h);
    });
  });
});
