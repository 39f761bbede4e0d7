// drEvacuate's fast tests, second half: the dry run, a rejection and forged releases (see evacuate.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { drFailover } from '../../../workflows/dr-failover';
import { planQuery, rejectSignal } from '../../../workflows/definitions';
import { evacuationReleaseSignal } from '../../../workflows/evacuate/definitions';
import { group, plan } from '../runbooks/stubs/activities';
import { awaitingApproval, endedWith, status, until } from '../runbooks/stubs/run';
import { estateStubs, type Estate } from './stubs';
import { changes, child, env, evacuate, started, useEvacuationEnv, zoneEstate } from './harness';

useEvacuationEnv();

describe('drEvacuate: dry run, rejection, forgery (stubbed clusters, real runs)', () => {
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
