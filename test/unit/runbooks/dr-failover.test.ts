// drFailover's runbook logic, fast: the real workflow code on a private Temporal dev server (stubs/env.ts), every
// activity a stub (stubs/activities.ts) — no Kafka, Kafka Connect or emulator. Outage, planned switchover, the
// no-drain variant, reapproval of a worse final plan, the guard, a blocked step resolved (retry via the update, skip,
// refusals), reject, approval timeout, dry run, one failover per pair, invalid input.
// Verified broker-free: the pairs point every endpoint at 127.0.0.1:9 (nothing listens), the file asserts at the end
// that kafkajs was never loaded in its process (no Kafka client can have been built), and the four runbook files pass
// with every stack port variable (KDR_PRIMARY_PORT, KDR_SECONDARY_PORT, KDR_CONNECT_PORT, KDR_EMULATOR_PORT,
// KDR_DNS_PORT, KDR_DR_PORT) set to 9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { drFailover } from '../../../workflows/dr-failover';
import {
  approveSignal,
  failoverWorkflowId,
  planQuery,
  rejectSignal,
  resolveSignal,
  resolveUpdate,
  statusQuery,
} from '../../../workflows/contract';
import { sealedPlanId } from '../../../src/plan/seal';
import { called, callsOf, group, newWorld, plan, worldStubs, type Stubs, type World } from './stubs/activities';
import { kafkaClientNeverLoaded, runbookEnv, type RunbookEnv } from './stubs/env';
import { stubPair } from './stubs/pair';
import { awaitingApproval, blocked, endedWith, states, status, until } from './stubs/run';
import type { PairConfig } from '../../../src/config';

let env: RunbookEnv;
before(async () => {
  env = await runbookEnv();
});
after(async () => {
  await env?.teardown();
});

type Input = Record<string, unknown>;

/** Runs drFailover for `pair` with the stubs while `fn` drives it (approves, resolves ...). */
async function failover<T>(
  pair: PairConfig,
  stubs: Stubs,
  input: Input,
  fn: (h: Awaited<ReturnType<typeof start>>) => Promise<T>,
): Promise<T> {
  return env.withWorker(pair.name, stubs, async (taskQueue) => fn(await start(taskQueue, pair, input)));
}

function start(taskQueue: string, pair: PairConfig, input: Input) {
  return env.client.workflow.start<typeof drFailover>('drFailover', {
    taskQueue,
    workflowId: failoverWorkflowId(pair.name),
    args: [{ pair: pair.name, requestedBy: 'alice', switchover: { quietWindow: '1s', guard: '1s' }, ...input }],
  });
}

/** Stubs where the first plan (no onlyGroups) and the re-plan (onlyGroups: freeze or final plan) differ as given. */
function planning(first: ReturnType<typeof plan>, again: ReturnType<typeof plan>): Pick<Stubs, 'planOffsets'> {
  return {
    async planOffsets(_p, o) {
      return o.onlyGroups ? again : first;
    },
  };
}

const changing = ['pauseReplication', 'resetGroups', 'ensureCname', 'clearOldPrimary'];
const changesIn = (world: World) => called(world).filter((n) => changing.includes(n));
const before_ = (world: World, a: string, b: string) => called(world).indexOf(a) < called(world).indexOf(b);

describe('drFailover (stubbed activities)', () => {
  test('outage: nothing changes before the approval of the sealed plan; frozen re-plan applied, offsets before the CNAME', async () => {
    const pair = stubPair('outage');
    const world = newWorld(pair);
    const stubs = worldStubs(pair, world, {
      async assess() {
        return {
          primaryReachable: false,
          primaryError: 'connect ECONNREFUSED',
          secondary: { brokers: 1 },
          topics: ['orders'],
          partitions: 2,
          connector: { state: 'failed' },
          newestReplicatedAt: 1_700_000_000_000,
          latency: { ms: 200, source: 'threshold' },
        };
      },
      ...planning(
        plan(pair.name, [group('billing', 5), group('shipping', 3)], 'offsets-a'),
        plan(pair.name, [group('billing', 5, 101), group('shipping', 2, 101)], 'offsets-b'),
      ),
    });
    const result = await failover(pair, stubs, {}, async (h) => {
      const waiting = await awaitingApproval(h);
      assert.deepEqual(changesIn(world), [], 'nothing changed before the approval');
      const shown = await h.query(planQuery);
      assert.ok(shown);
      assert.equal(shown.planId, waiting.planId);
      assert.equal(shown.plan.offsetsId, 'offsets-a');
      assert.equal(shown.plan.authorises.mode, 'outage');
      assert.deepEqual(shown.plan.cname, {
        domain: `${pair.dns.rr}.kdr.test`,
        from: 'primary.kdr.test',
        to: 'secondary.kdr.test',
      });
      assert.equal(
        shown.planId,
        sealedPlanId(shown.plan, shown.plan.authorises),
        'the id seals the CNAME change, the mode and every offset',
      );
      assert.notEqual(shown.planId, 'offsets-a');
      assert.match(waiting.waitingFor ?? '', new RegExp(`^approval: 0/1 for plan ${shown.planId}`));

      await h.signal(approveSignal, { by: 'alice', planId: shown.planId });
      await h.signal(approveSignal, { by: 'bob', planId: 'offsets-a' });
      await until(
        () => status(h),
        (s) => s.audit.filter((a) => a.action === 'approve').length === 2,
        'two refusals',
      );
      assert.deepEqual(changesIn(world), [], 'refused approvals change nothing');
      await h.signal(approveSignal, { by: 'bob', planId: shown.planId });
      return h.result();
    });

    assert.equal(result.dryRun, false);
    if (result.dryRun) return;
    assert.equal(result.mode, 'outage');
    assert.notEqual(result.planId, result.approvedPlanId, 'the frozen re-plan is what was applied');
    assert.equal(result.frozen?.connector, `kdr-${pair.name}-mm2-source paused`);
    assert.equal(result.cname.after, 'secondary.kdr.test');
    assert.equal(world.cname, 'secondary.kdr.test');
    assert.deepEqual(
      result.approvedBy.map((a) => a.by),
      ['bob'],
    );
    assert.equal(result.drained, null);
    assert.deepEqual(result.guard, { checks: 3, suspicious: [] });
    assert.deepEqual(states(result.steps), {
      'load-pair': 'succeeded',
      assess: 'succeeded',
      plan: 'succeeded',
      approval: 'succeeded',
      freeze: 'succeeded',
      'reset-offsets': 'succeeded',
      'switch-cname': 'succeeded',
      drain: 'skipped',
      'final-plan': 'skipped',
      reapproval: 'skipped',
      'apply-final': 'skipped',
      guard: 'succeeded',
      verify: 'succeeded',
    });
    assert.match(result.steps.find((s) => s.name === 'reapproval')?.summary ?? '', /no worse than the approved/);
    assert.deepEqual(
      changesIn(world),
      ['pauseReplication', 'resetGroups', 'ensureCname'],
      'freeze, offsets, then the CNAME',
    );
    assert.equal(
      callsOf(world, 'resetGroups')[0].detail,
      'billing@101,shipping@101',
      "the frozen plan's offsets are set",
    );
    assert.deepEqual(
      result.audit.filter((a) => a.action === 'approve').map((a) => [a.by, a.accepted]),
      [
        ['alice', false],
        ['bob', false],
        ['bob', true],
      ],
    );
    const reasons = result.audit.map((a) => a.reason ?? '');
    assert.ok(reasons.some((r) => /alice requested this run and may not approve it/.test(r)));
    assert.ok(reasons.some((r) => /plan offsets-a is not the current plan/.test(r)));
    assert.ok(
      result.audit.some((a) => a.action === 'cname' && /primary\.kdr\.test -> secondary\.kdr\.test/.test(a.note ?? '')),
    );
  });

  test('outage: a frozen plan that re-reads more is approved again; approvals of the first plan do not carry over', async () => {
    const pair = stubPair('reapprove');
    const world = newWorld(pair);
    const stubs = worldStubs(pair, world, {
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
      ...planning(
        plan(pair.name, [group('billing', 5), group('shipping', 3)]),
        plan(pair.name, [group('billing', 50, 90), group('shipping', 3)]),
      ),
    });
    const result = await failover(pair, stubs, { approval: { allowList: ['bob', 'carol'] } }, async (h) => {
      const first = await awaitingApproval(h);
      await h.signal(approveSignal, { by: 'bob', planId: first.planId! });
      const again = await awaitingApproval(h, 'reapproval');
      assert.notEqual(again.planId, first.planId);
      assert.deepEqual(
        changesIn(world),
        ['pauseReplication'],
        'only the freeze ran: no offsets, no CNAME before the reapproval',
      );
      const shown = await h.query(planQuery);
      assert.equal(shown?.planId, again.planId);
      assert.equal(shown?.plan.comparedTo, first.planId);
      assert.deepEqual(shown?.plan.worse, ['billing duplicate bound 5 -> 50']);
      assert.ok(again.audit.some((a) => a.action === 'plan-changed' && /worse than approved/.test(a.note ?? '')));
      await h.signal(approveSignal, { by: 'carol', planId: first.planId! });
      await until(
        () => status(h),
        (s) => s.audit.some((a) => a.by === 'carol' && !a.accepted),
        'the stale approval refused',
      );
      assert.deepEqual(changesIn(world), ['pauseReplication']);
      await h.signal(approveSignal, { by: 'carol', planId: again.planId! });
      return h.result();
    });
    assert.equal(result.dryRun, false);
    if (result.dryRun) return;
    assert.deepEqual(
      result.approvedBy.map((a) => a.by),
      ['bob', 'carol'],
    );
    assert.equal(result.steps.find((s) => s.name === 'reapproval')?.state, 'succeeded');
    assert.equal(callsOf(world, 'resetGroups')[0].detail, 'billing@90,shipping@100');
  });

  test('switchover: safety-net offsets, CNAME, drain until the primary is quiet, final plan applied under the first approval', async () => {
    const pair = stubPair('switchover');
    const world = newWorld(pair);
    let quietChecks = 0;
    const stubs = worldStubs(pair, world, {
      async primaryQuiet(_p, _t, _g, windowMs) {
        quietChecks++;
        return quietChecks === 1
          ? {
              quiet: false,
              windowMs,
              moving: [{ topic: 'orders', partition: 0, records: 12 }],
              movedRecords: 12,
              groupsWithMembers: [{ group: 'billing', members: 1, clients: ['billing-1'] }],
            }
          : { quiet: true, windowMs, moving: [], movedRecords: 0, groupsWithMembers: [] };
      },
      ...planning(
        plan(pair.name, [group('billing', 5), group('shipping', 3)]),
        plan(pair.name, [group('billing', 5, 200), group('shipping', 3, 200)]),
      ),
    });
    const result = await failover(pair, stubs, {}, async (h) => {
      const waiting = await awaitingApproval(h);
      assert.deepEqual(changesIn(world), []);
      await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      return h.result();
    });
    assert.equal(result.dryRun, false);
    if (result.dryRun) return;
    assert.equal(result.mode, 'switchover');
    assert.deepEqual(result.drained, { connector: `kdr-${pair.name}-mm2-source paused`, quietAfterChecks: 2 });
    assert.equal(result.frozen, null);
    assert.deepEqual(states(result.steps), {
      'load-pair': 'succeeded',
      assess: 'succeeded',
      plan: 'succeeded',
      approval: 'succeeded',
      freeze: 'skipped',
      'reset-offsets': 'succeeded',
      'switch-cname': 'succeeded',
      drain: 'succeeded',
      'final-plan': 'succeeded',
      reapproval: 'skipped',
      'apply-final': 'succeeded',
      guard: 'succeeded',
      verify: 'succeeded',
    });
    assert.deepEqual(
      called(world).filter((n) => [...changing, 'primaryQuiet', 'replicationComplete', 'guardGroups'].includes(n)),
      [
        'resetGroups',
        'ensureCname',
        'primaryQuiet',
        'primaryQuiet',
        'replicationComplete',
        'pauseReplication',
        'resetGroups',
        'guardGroups',
      ],
    );
    assert.deepEqual(
      callsOf(world, 'resetGroups').map((c) => c.detail),
      ['billing@100,shipping@100', 'billing@200,shipping@200'],
    );
    assert.deepEqual(
      result.groups.map((g) => g.changes[0][3]),
      [200, 200],
      'the report shows the final offsets',
    );
    assert.equal(
      result.planId,
      result.steps.find((s) => s.name === 'final-plan')?.summary?.match(/final plan (\w+)/)?.[1],
    );
    assert.match(result.nextSteps[0], /start from the final plan/);
  });

  test('switchover: a worse final plan waits for a second approval before it is applied', async () => {
    const pair = stubPair('switch-worse');
    const world = newWorld(pair);
    const worse = plan(pair.name, [group('billing', 5, 200), group('shipping', 3, 200)]);
    worse.groups[1] = {
      ...worse.groups[1],
      untranslated: [{ topic: 'orders', partition: 1, reason: 'no checkpoint' }],
    };
    const stubs = worldStubs(
      pair,
      world,
      planning(plan(pair.name, [group('billing', 5), group('shipping', 3)]), worse),
    );
    const result = await failover(pair, stubs, {}, async (h) => {
      const first = await awaitingApproval(h);
      await h.signal(approveSignal, { by: 'bob', planId: first.planId! });
      const again = await awaitingApproval(h, 'reapproval');
      assert.deepEqual(
        callsOf(world, 'resetGroups').length,
        1,
        'only the safety net is applied while the final plan waits',
      );
      assert.deepEqual((await h.query(planQuery))?.plan.worse, ['shipping untranslated partitions 0 -> 1']);
      await h.signal(approveSignal, { by: 'bob', planId: again.planId! });
      return h.result();
    });
    assert.equal(result.dryRun, false);
    if (result.dryRun) return;
    assert.deepEqual(
      result.approvedBy.map((a) => a.by),
      ['bob', 'bob'],
    );
    assert.equal(result.steps.find((s) => s.name === 'reapproval')?.state, 'succeeded');
    assert.equal(callsOf(world, 'resetGroups')[1].detail, 'billing@200,shipping@200');
  });

  test('blocked reset: live members block before the CNAME moves; skip is refused, resolve retry resets only the rest', async () => {
    const pair = stubPair('blocked');
    const world = newWorld(pair);
    let resets = 0;
    const stubs = worldStubs(pair, world, {
      async resetGroups(_p, batch) {
        resets++;
        const done = batch
          .filter((g) => resets > 1 || g.group !== 'shipping')
          .map((g) => ({
            group: g.group,
            changes: g.offsets.map(([t, n, o]): [string, number, number, number] => [t, n, 0, o]),
          }));
        return { done, live: resets > 1 ? [] : [{ group: 'shipping', members: 2, state: 'Stable' }], failed: [] };
      },
    });
    const result = await failover(pair, stubs, { drain: false, switchover: { guard: 0 } }, async (h) => {
      const waiting = await awaitingApproval(h);
      await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      const row = await blocked(h, 'reset-offsets');
      assert.match(
        row.lastError ?? '',
        /GroupsHaveLiveMembers.*stop their consumers: shipping \(2 member\(s\), Stable\)/,
      );
      const s = await h.query(statusQuery);
      assert.equal(s.phase, 'blocked');
      assert.match(s.waitingFor ?? '', /^resolve on step reset-offsets/);
      assert.equal(world.cname, 'primary.kdr.test', 'the CNAME waits for the offsets');
      assert.ok(!called(world).includes('ensureCname'));

      await assert.rejects(
        h.executeUpdate(resolveUpdate, { args: [{ action: 'skip', by: 'bob' }] }),
        WorkflowUpdateFailedError,
      );
      await h.signal(resolveSignal, { action: 'skip', by: 'bob', note: 'try' });
      await until(
        () => status(h),
        (x) => x.audit.some((a) => a.action === 'resolve:skip'),
        'the refused skip in the audit',
      );
      const accepted = await h.executeUpdate(resolveUpdate, {
        args: [{ action: 'retry', by: 'bob', step: 'reset-offsets', note: 'consumers stopped' }],
      });
      assert.deepEqual(accepted, { step: 'reset-offsets', action: 'retry' });
      return h.result();
    });
    assert.equal(result.dryRun, false);
    if (result.dryRun) return;
    assert.equal(result.mode, 'no-drain');
    assert.deepEqual(
      callsOf(world, 'resetGroups').map((c) => c.detail),
      ['billing@100,shipping@100', 'shipping@100'],
    );
    const reset = result.steps.find((s) => s.name === 'reset-offsets')!;
    assert.equal(reset.attempts, 2);
    assert.deepEqual(states(result.steps), {
      'load-pair': 'succeeded',
      assess: 'succeeded',
      plan: 'succeeded',
      approval: 'succeeded',
      freeze: 'skipped',
      'reset-offsets': 'succeeded',
      'switch-cname': 'succeeded',
      drain: 'skipped',
      'final-plan': 'skipped',
      reapproval: 'skipped',
      'apply-final': 'skipped',
      guard: 'skipped',
      verify: 'succeeded',
    });
    assert.equal(result.guard, null);
    assert.ok(before_(world, 'resetGroups', 'ensureCname'));
    const skip = result.audit.find((a) => a.action === 'resolve:skip')!;
    assert.equal(skip.accepted, false);
    assert.match(skip.reason ?? '', /skip/);
    assert.deepEqual(
      result.audit.filter((a) => a.action === 'resolve:retry').map((a) => [a.by, a.accepted, a.note]),
      [['bob', true, 'consumers stopped']],
    );
  });

  test('guard: a stale client committing blocks the guard after the switch; the guard is skippable', async () => {
    const pair = stubPair('guard');
    const world = newWorld(pair);
    const stubs = worldStubs(pair, world, {
      async guardGroups() {
        return {
          checks: 4,
          suspicious: [{ group: 'billing', live: true, seen: 'orders[0] committed 7 < planned 100', reapplied: false }],
        };
      },
    });
    const result = await failover(pair, stubs, { drain: false }, async (h) => {
      const waiting = await awaitingApproval(h);
      await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      const row = await blocked(h, 'guard');
      assert.match(
        row.lastError ?? '',
        /StaleClientCommits.*restart those clients.*billing: orders\[0\] committed 7 < planned 100/,
      );
      assert.equal(world.cname, 'secondary.kdr.test');
      await h.signal(resolveSignal, { action: 'skip', by: 'bob', note: 'billing restarted by hand' });
      return h.result();
    });
    assert.equal(result.dryRun, false);
    if (result.dryRun) return;
    assert.equal(result.guard, null);
    assert.equal(result.steps.find((s) => s.name === 'guard')?.state, 'skipped');
    assert.equal(result.steps.find((s) => s.name === 'verify')?.state, 'succeeded');
    assert.deepEqual(
      result.audit.filter((a) => a.action === 'resolve:skip').map((a) => [a.by, a.accepted]),
      [['bob', true]],
    );
  });

  test('reject: the run ends Rejected with nothing changed', async () => {
    const pair = stubPair('reject');
    const world = newWorld(pair);
    await failover(pair, worldStubs(pair, world), {}, async (h) => {
      await awaitingApproval(h);
      await h.signal(rejectSignal, { by: 'bob', reason: 'change freeze' });
      const { failure, report } = await endedWith(h);
      assert.equal(failure.type, 'Rejected');
      assert.equal(report?.outcome, 'rejected');
      assert.deepEqual(changesIn(world), []);
      assert.equal(world.cname, 'primary.kdr.test');
      assert.deepEqual(
        report?.steps.filter((s) => s.state === 'succeeded').map((s) => s.name),
        ['load-pair', 'assess', 'plan'],
      );
      assert.ok(report?.audit.some((a) => a.action === 'reject' && a.by === 'bob' && a.accepted));
    });
  });

  test('approval timeout: the run ends Aborted with nothing changed', async () => {
    const pair = stubPair('timeout');
    const world = newWorld(pair);
    await failover(pair, worldStubs(pair, world), { approval: { timeout: '2s' } }, async (h) => {
      const { failure, report } = await endedWith(h);
      assert.equal(failure.type, 'Aborted');
      assert.match(failure.message, /approval/i);
      assert.deepEqual(changesIn(world), []);
      assert.ok(report?.audit.some((a) => a.action === 'timeout' && a.by === 'runbook'));
    });
  });

  test('dry run: the plan only; every later step skipped, nothing changed', async () => {
    const pair = stubPair('dry');
    const world = newWorld(pair);
    const result = await failover(pair, worldStubs(pair, world), { dryRun: true }, (h) => h.result());
    assert.equal(result.dryRun, true);
    if (!result.dryRun) return;
    assert.equal(result.changed, false);
    assert.deepEqual(result.plan.groups, 2);
    assert.deepEqual(
      result.steps.filter((s) => s.state === 'succeeded').map((s) => s.name),
      ['load-pair', 'assess', 'plan'],
    );
    assert.ok(result.steps.slice(3).every((s) => s.state === 'skipped' && /dry run/.test(s.summary ?? '')));
    assert.deepEqual(changesIn(world), []);
  });

  test('one failover per pair: another running failover aborts the run before anything is read or changed', async () => {
    const pair = stubPair('other');
    const world = newWorld(pair);
    const stubs = worldStubs(pair, world, { otherFailovers: async () => ['dr-failover-other-run'] });
    await failover(pair, stubs, {}, async (h) => {
      const { failure } = await endedWith(h);
      assert.equal(failure.type, 'Aborted');
      assert.match(
        failure.message,
        /another failover of pair .* is running \(dr-failover-other-run\).*Nothing was changed/,
      );
      assert.ok(!called(world).includes('assess'));
    });
  });

  test('invalid input: the run fails at once with InvalidInput naming the field', async () => {
    const pair = stubPair('invalid');
    const world = newWorld(pair);
    await failover(
      pair,
      worldStubs(pair, world),
      { requestedBy: undefined, drain: 'sometimes' as never },
      async (h) => {
        const { failure } = await endedWith(h);
        assert.equal(failure.type, 'InvalidInput');
        assert.match(failure.message, /requestedBy/);
        assert.match(failure.message, /drain: expected true, false or "auto"/);
        assert.deepEqual(world.calls, []);
      },
    );
  });

  test('no Kafka client was ever loaded by these runs', () => {
    assert.ok(kafkaClientNeverLoaded());
  });
});
