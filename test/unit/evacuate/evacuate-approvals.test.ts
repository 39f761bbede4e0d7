// drEvacuate's approvals beyond the first, fast (stubbed clusters, real runs on a private dev server): a pair whose
// parity.failover "approve" asks one approval more alone asks it of the evacuation too, shown in the evacuation plan;
// a member whose final plan turns out worse asks again on its own run, under the evacuation's approvers, paged once
// through the evacuation and shown in its table, while the other pairs go on; a pair that could not plan before the
// evacuation's approval is approved on its own plan later (step late-approval), and only under that new planId.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approveSignal, planQuery, resolveSignal } from '../../../workflows/definitions';
import { evacuationQuery } from '../../../workflows/evacuate/definitions';
import { statusText } from '../../../app/cli/commands/evacuate';
import type { EvacuationPlan } from '../../../src/evacuation/types';
import type { ParityGap } from '../../../src/parity/model';
import { parityReport } from '../../../src/parity/report';
import { failure, group, plan } from '../runbooks/stubs/activities';
import { stubPair } from '../runbooks/stubs/pair';
import { awaitingApproval, status, until } from '../runbooks/stubs/run';
import { estate, estateStubs } from './stubs';
import { changes, child, evacuate, useEvacuationEnv } from './harness';

useEvacuationEnv();

const MISSING_USER: ParityGap = {
  kind: 'user',
  item: 'orders-app',
  primary: 'SCRAM-SHA-512',
  secondary: 'missing',
  why: 'missing: refused',
  fix: 'kafka-configs.sh --bootstrap-server 127.0.0.1:9 --alter --entity-type users --entity-name orders-app ...',
  change: { op: 'create-user', user: 'orders-app', mechanism: 'SCRAM-SHA-512', secretVar: 'KDR_SECRET_ORDERS_APP' },
};

describe('drEvacuate: the extra approvals', () => {
  test('a pair with parity.failover "approve" and gaps: the evacuation plan says so and asks one approval more', async () => {
    const strict = stubPair('eps', { parity: { mode: 'check', failover: 'approve' } });
    const plain = stubPair('epp');
    const e = estate([
      { pair: strict, zone: 'cn-hangzhou-k', tier: 1 },
      { pair: plain, zone: 'cn-hangzhou-k', tier: 1 },
    ]);
    const stubs = estateStubs(e);
    stubs.checkParity = async (p, direction = 'forward', target = 'secondary') =>
      parityReport(direction, target, p.name === strict.name ? [MISSING_USER] : []);
    await evacuate(e, stubs, { select: [{ zone: 'cn-hangzhou-k' }] }, async (h) => {
      const waiting = await awaitingApproval(h);
      assert.equal(waiting.approval?.required, 2, "one more than the evacuation's policy (1)");
      const shown = (await h.query(planQuery))!;
      const evac = shown.plan as unknown as EvacuationPlan;
      assert.deepEqual(
        evac.parityApprovals?.map((x) => x.pair),
        [strict.name],
      );
      assert.match(evac.parityApprovals![0].why, /1 user missing on the secondary/);
      assert.ok(evac.warnings.some((w) => w.startsWith(`pair ${strict.name}: parity.failover "approve"`)));
      const details = (await status(h)).steps.find((s) => s.name === 'plan')?.summary ?? '';
      assert.match(details, /evacuation plan/);
      await h.signal(approveSignal, { by: 'bob', planId: shown.planId });
      await until(
        () => status(h),
        (s) => (s.approval?.approvedBy ?? []).includes('bob'),
        "bob's approval counted",
      );
      assert.equal((await status(h)).phase, 'awaiting-approval', 'one approval is not enough');
      for (const p of [strict.name, plain.name]) assert.deepEqual(changes(e, p), [], `${p}: nothing changed yet`);
      await h.signal(approveSignal, { by: 'carol', planId: shown.planId });
      const r = await h.result();
      assert.equal(r.outcome, 'completed');
      if (r.dryRun) throw new Error('not a dry run');
      assert.deepEqual(r.approvedBy, ['bob', 'carol']);
      assert.ok(r.audit.some((a) => a.action === 'policy' && /parity\.failover "approve" on eps/.test(a.note ?? '')));
    });
    const member = await child(strict.name).result();
    assert.equal(member.outcome, 'completed');
    if (member.dryRun) throw new Error('not a dry run');
    assert.deepEqual(
      member.approvedBy.map((a) => a.by),
      ['bob', 'carol'],
      'released under two approvals, as the pair alone would be',
    );
  });

  test('a pair planned after the approval: covered by a late approval of its own plan, never by the first planId', async () => {
    const late = stubPair('epl');
    const early = stubPair('epe');
    const e = estate([
      { pair: late, zone: 'cn-hangzhou-k', tier: 1 },
      { pair: early, zone: 'cn-hangzhou-k', tier: 1 },
    ]);
    let reachable = false;
    const stubs = estateStubs(e, {
      [late.name]: {
        async assess() {
          if (!reachable) throw failure('ClusterUnreachable', 'the secondary does not answer (simulated)');
          return {
            primaryReachable: true,
            secondary: { brokers: 1 },
            topics: ['orders'],
            partitions: 2,
            connector: { state: 'running' },
            newestReplicatedAt: 1_700_000_000_000,
            latency: { ms: 200, source: 'canary' },
          };
        },
      },
    });
    await evacuate(e, stubs, { select: [{ zone: 'cn-hangzhou-k' }] }, async (h) => {
      const first = await awaitingApproval(h);
      const evac = (await h.query(planQuery))!.plan as unknown as EvacuationPlan;
      assert.deepEqual(
        evac.pairs.map((p) => p.pair),
        [early.name],
      );
      assert.deepEqual(
        evac.unplanned.map((u) => u.pair),
        [late.name],
      );
      assert.ok(evac.warnings.some((w) => w.startsWith(`pair ${late.name} has no plan (blocked at assess`)));
      await h.signal(approveSignal, { by: 'bob', planId: first.planId! });
      await until(
        () => h.query(evacuationQuery),
        (v) => v.rows.some((r) => r.pair === early.name && r.ended?.outcome === 'completed'),
        'the planned pair done while the other is blocked',
        60_000,
      );
      assert.deepEqual(changes(e, late.name), [], 'the blocked pair changed nothing');
      reachable = true;
      await child(late.name).signal(resolveSignal, { action: 'retry', by: 'bob' });
      const again = await awaitingApproval(h, 'late-approval');
      assert.notEqual(again.planId, first.planId);
      const shown = (await h.query(planQuery))!.plan as unknown as EvacuationPlan;
      assert.deepEqual(
        shown.pairs.map((p) => p.pair),
        [late.name],
        'the late plan covers the late pair only',
      );
      // The first approval's planId does not release a plan it never sealed.
      await h.signal(approveSignal, { by: 'carol', planId: first.planId! });
      await until(
        () => status(h),
        (s) => s.audit.some((a) => a.by === 'carol' && !a.accepted),
        "carol's approval of the old planId refused",
      );
      assert.deepEqual(changes(e, late.name), []);
      await h.signal(approveSignal, { by: 'carol', planId: again.planId! });
      const r = await h.result();
      assert.equal(r.outcome, 'completed');
      if (r.dryRun) throw new Error('not a dry run');
      assert.equal(r.completed, 2);
      assert.equal(r.steps.find((x) => x.name === 'late-approval')?.state, 'succeeded');
      assert.deepEqual(r.approvedBy, ['bob', 'carol']);
    });
    const member = await child(late.name).result();
    assert.equal(member.outcome, 'completed');
    assert.equal(e.worlds.get(late.name)!.cname, 'secondary.kdr.test');
  });

  test("a member's worse final plan asks the evacuation's approvers on its own run, paged once; the others go on", async () => {
    const outage = stubPair('epo');
    const other = stubPair('epq');
    const e = estate([
      { pair: outage, zone: 'cn-hangzhou-k', tier: 1 },
      { pair: other, zone: 'cn-hangzhou-k', tier: 1 },
    ]);
    e.evacuationPolicy = { ...outage.approval, allowList: ['bob', 'carol'] };
    const stubs = estateStubs(e, {
      [outage.name]: {
        async assess() {
          return {
            primaryReachable: false,
            secondary: { brokers: 1 },
            topics: ['orders'],
            partitions: 2,
            connector: { state: 'failed' },
            newestReplicatedAt: null,
            latency: { ms: 200, source: 'threshold' },
          };
        },
        // The frozen re-plan (onlyGroups) re-reads more than the plan the evacuation approved.
        async planOffsets(_p, o) {
          return o.onlyGroups
            ? plan(outage.name, [group('billing', 50, 90), group('shipping', 3)])
            : plan(outage.name, [group('billing', 5), group('shipping', 3)]);
        },
      },
    });
    await evacuate(e, stubs, { select: [{ zone: 'cn-hangzhou-k' }] }, async (h) => {
      const waiting = await awaitingApproval(h);
      await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      const view = await until(
        () => h.query(evacuationQuery),
        (v) =>
          v.rows.some((r) => r.pair === outage.name && r.asks?.step === 'reapproval') &&
          v.rows.some((r) => r.pair === other.name && r.ended?.outcome === 'completed'),
        'the outage member asking again while the other pair completed',
        60_000,
      );
      const row = view.rows.find((r) => r.pair === outage.name)!;
      assert.notEqual(row.asks!.planId, row.planId, 'a new plan, not the approved one');
      assert.deepEqual(row.asks!.allowList, ['bob', 'carol'], "the evacuation's approvers");
      assert.deepEqual(
        changes(e, outage.name).filter((n) => n !== 'pauseReplication'),
        [],
        'frozen only: no offsets, no CNAME yet',
      );
      assert.match(
        statusText(view),
        new RegExp(`APPROVAL ${outage.name}: .*kdr approve dr-failover-${outage.name} .*--plan-id ${row.asks!.planId}`),
      );
      const asked = await until(
        async () => e.events.filter((x) => x.event.kind === 'approval-needed' && x.event.pair === outage.name),
        (list) => list.length > 0,
        'the reapproval paged through the evacuation',
      );
      assert.equal(asked.length, 1);
      assert.equal(asked[0].member, `dr-failover-${outage.name}`, 'its commands name the member run');
      const event = asked[0].event;
      if (event.kind !== 'approval-needed') throw new Error(event.kind);
      assert.equal(event.step, 'reapproval');
      assert.equal(event.planId, row.asks!.planId);
      assert.deepEqual(event.allowList, ['bob', 'carol']);
      assert.ok(!e.events.some((x) => x.member === 'member-reported-itself'), 'the member pages nobody itself');

      // Someone the pair alone might allow, but not the evacuation's approvers, is refused.
      await child(outage.name).signal(approveSignal, { by: 'dave', planId: row.asks!.planId });
      await until(
        () => status(child(outage.name)),
        (s) => s.audit.some((a) => a.by === 'dave' && !a.accepted),
        "dave's approval refused",
      );
      await child(outage.name).signal(approveSignal, { by: 'carol', planId: row.asks!.planId });
      const r = await h.result();
      assert.equal(r.outcome, 'completed');
      if (r.dryRun) throw new Error('not a dry run');
      assert.equal(r.completed, 2);
      assert.ok(r.audit.some((a) => a.action === 'pair-approval' && a.note?.startsWith(outage.name)));
    });
    const member = await child(outage.name).result();
    if (member.dryRun) throw new Error('not a dry run');
    assert.deepEqual(
      member.approvedBy.map((a) => a.by),
      ['bob', 'carol'],
    );
    assert.equal(member.steps.find((s) => s.name === 'reapproval')?.state, 'succeeded');
  });
});
