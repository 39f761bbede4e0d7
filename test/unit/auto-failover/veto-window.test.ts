// drFailover started by the pair's own watch under its automatic failover policy: the approval step is satisfied by
// the policy only after the veto window; a listed approver's reject ends it with nothing changed, an approval goes
// at once, a primary that answers in the window aborts it with nothing changed; a run a person starts (no parent
// watch), or a pair whose pairs file has the policy off, waits for a person as usual.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { drFailover } from '../../../workflows/dr-failover';
import { approveSignal, failoverWorkflowId, rejectSignal, stopWatchSignal } from '../../../workflows/contract';
import { POLICY_APPROVER } from '../../../workflows/failover/auto-approval';
import { autoFailoverActivities } from '../../../activities/auto-failover';
import type { ActivityDeps } from '../../../activities';
import { called, callsOf, newWorld, worldStubs } from '../runbooks/stubs/activities';
import { kafkaClientNeverLoaded, runbookEnv, type RunbookEnv } from '../runbooks/stubs/env';
import { endedWith, status, until } from '../runbooks/stubs/run';
import { POLICY, autoPair, failoverWaiting, outage, startWatch, tick, watchOf } from './auto-stubs';

let env: RunbookEnv;
before(async () => {
  env = await runbookEnv();
});
after(async () => {
  await env?.teardown();
});

/** Nothing a failover changes was called: no freeze, no offset reset, no CNAME change. */
function unchanged(calls: string[]) {
  for (const name of ['pauseReplication', 'resetGroups', 'ensureCname'])
    assert.ok(!calls.includes(name), `${name} must not be called: ${calls.join(', ')}`);
}

describe('drFailover veto window (automatic failover)', { concurrency: true }, () => {
  test('primary down: the watch starts the failover, the policy approves after the window, no person', async () => {
    const pair = autoPair('auto-go');
    const world = newWorld(pair);
    let n = 0;
    const stubs = worldStubs(pair, world, {
      watchTick: async () => tick(n++ < 1),
      assess: outage,
      probePrimary: async () => ({ probe: 'kafka', verdict: 'down', at: Date.now(), error: 'ECONNREFUSED' }),
    });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const watch = await startWatch(env, taskQueue, pair);
      const { h, s } = await failoverWaiting(env, pair);
      assert.equal(s.approval?.required, 1);
      assert.ok(
        s.audit.some((a) => a.action === 'policy' && /automatic failover by policy autoFailover/.test(a.note ?? '')),
        'the audit names the policy',
      );
      assert.ok(
        s.audit.some((a) => /ECONNREFUSED/.test(a.note ?? '')),
        "the audit names the probes' evidence",
      );
      assert.ok(
        s.audit.some((a) => /at risk: 7 record/.test(a.note ?? '')),
        'the audit names the estimate',
      );
      const result = (await h.result()) as Awaited<ReturnType<typeof drFailover>>;
      assert.equal(result.dryRun, false);
      if (result.dryRun) return;
      assert.equal(result.mode, 'outage');
      assert.deepEqual(
        result.approvedBy.map((a) => a.by),
        [POLICY_APPROVER],
      );
      assert.equal(world.cname, pair.secondary.endpointHost);
      assert.equal(callsOf(world, 'assess').length, 1, 'one failover only');
      assert.ok(
        callsOf(world, 'reportAutoFailover').some((c) => c.detail === 'started'),
        'the window was announced',
      );
      // The failover stopped the watch when it moved the CNAME; the watch recorded what it started.
      const ended = await watch.result();
      assert.match(ended.stoppedBy, /auto-failover:/);
      const desc = await env.client.workflow.getHandle(failoverWorkflowId(pair.name)).describe();
      assert.equal(desc.status.name, 'COMPLETED');
    });
  });

  test('a listed approver vetoes in the window: rejected, nothing changed; the watch, continuing as new, starts no second one', async () => {
    // A window far longer than the test: on a loaded machine a 10 s one could pass before the test acts in it.
    const pair = autoPair('auto-veto', { autoFailover: { ...POLICY, vetoWindow: '10m' } });
    const world = newWorld(pair);
    let n = 0;
    const stubs = worldStubs(pair, world, {
      watchTick: async () => tick(n++ < 1),
      assess: outage,
      probePrimary: async () => ({ probe: 'kafka', verdict: 'down', at: Date.now(), error: 'ECONNREFUSED' }),
    });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      // A new watch run every 2 checks: what it started must survive continue-as-new.
      const watch = await startWatch(env, taskQueue, pair, 2);
      const { h } = await failoverWaiting(env, pair);
      await h.signal(rejectSignal, { by: 'mallory', reason: 'not mine to stop' });
      await h.signal(rejectSignal, { by: 'alice', reason: 'the primary is being restarted on purpose' });
      const { failure, report } = await endedWith(h);
      assert.equal(failure.type, 'Rejected');
      assert.match(failure.message, /vetoed by alice/);
      assert.ok(report?.audit.some((a) => a.by === 'mallory' && a.action === 'reject' && !a.accepted));
      unchanged(called(world));
      assert.equal(world.cname, pair.primary.endpointHost);
      assert.ok(callsOf(world, 'reportAutoFailover').some((c) => c.detail === 'vetoed'));
      // The primary is still down: the checks for longer than `after` (10 s) record the vetoed failover, start none.
      const checks = world.calls.filter((c) => c.name === 'watchTick').length;
      await until(
        async () => world.calls.filter((c) => c.name === 'watchTick').length,
        (x) => x >= checks + 13,
        'thirteen more checks',
        60_000,
      );
      assert.equal(callsOf(world, 'assess').length, 1, 'one failover only');
      const w = await watchOf(watch);
      assert.ok(w.runs >= 3, `the watch continued as new (${w.runs} runs)`);
      assert.equal(w.auto?.started?.outcome, 'started');
      assert.match(w.auto!.why, /dr-failover-.* started at .* for this outage; no second automatic failover/);
      assert.doesNotMatch(w.auto!.why, /automatic failover starts/);
      await watch.signal(stopWatchSignal, { by: 'bob' });
      await watch.result();
    });
  });

  test('the primary answers again in the window: aborted, nothing changed', async () => {
    // A window far longer than the test: on a loaded machine a 10 s one could pass before the test acts in it.
    const pair = autoPair('auto-back', { autoFailover: { ...POLICY, vetoWindow: '10m' } });
    const world = newWorld(pair);
    let n = 0;
    let inWindow = false;
    const stubs = worldStubs(pair, world, {
      watchTick: async () => tick(n++ < 1),
      assess: outage,
      probePrimary: async () =>
        inWindow
          ? { probe: 'kafka', verdict: 'up', at: Date.now() }
          : { probe: 'kafka', verdict: 'down', at: Date.now(), error: 'ECONNREFUSED' },
    });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const watch = await startWatch(env, taskQueue, pair);
      const { h } = await failoverWaiting(env, pair);
      inWindow = true;
      const { failure } = await endedWith(h);
      assert.equal(failure.type, 'Aborted');
      assert.match(failure.message, /primary answers again .*nothing was changed/);
      unchanged(called(world));
      assert.equal(world.cname, pair.primary.endpointHost);
      assert.ok(callsOf(world, 'reportAutoFailover').some((c) => c.detail === 'aborted'));
      await watch.signal(stopWatchSignal, { by: 'bob' });
      await watch.result();
    });
  });

  test('a listed approver approves in the window: the failover goes on at once', async () => {
    const pair = autoPair('auto-early', { autoFailover: { ...POLICY, vetoWindow: '10m' } });
    const world = newWorld(pair);
    let n = 0;
    const stubs = worldStubs(pair, world, {
      watchTick: async () => tick(n++ < 1),
      assess: outage,
      probePrimary: async () => ({ probe: 'kafka', verdict: 'down', at: Date.now(), error: 'ECONNREFUSED' }),
    });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const watch = await startWatch(env, taskQueue, pair);
      const { h, s } = await failoverWaiting(env, pair);
      await h.signal(approveSignal, { by: 'bob', planId: s.approval!.planId });
      const result = (await h.result()) as Awaited<ReturnType<typeof drFailover>>;
      assert.ok(!result.dryRun && result.approvedBy.map((a) => a.by).join() === 'bob');
      assert.ok(callsOf(world, 'reportAutoFailover').some((c) => c.detail === 'approved_early'));
      await watch.result();
    });
  });

  test('a person starting drFailover as "auto-failover:<pair>" with the evidence gets the normal approval', async () => {
    const pair = autoPair('auto-fake');
    const world = newWorld(pair);
    const stubs = worldStubs(pair, world, { assess: outage });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const h = await env.client.workflow.start<typeof drFailover>('drFailover', {
        taskQueue,
        workflowId: failoverWorkflowId(pair.name),
        args: [
          {
            pair: pair.name,
            mode: 'outage',
            requestedBy: `auto-failover:${pair.name}`,
            auto: { since: 1, evidence: [], atRisk: { records: 0, seconds: 0, basis: 'made up' } },
          },
        ],
      });
      const s = await until(
        () => status(h),
        (x) => x.phase === 'awaiting-approval',
        'approval',
      );
      assert.ok(
        s.audit.some(
          (a) => a.action === 'policy' && !a.accepted && /not started by the pair's own watch/.test(a.note ?? ''),
        ),
      );
      // The pair's own approval policy (hours), not the 10 s veto window.
      assert.ok(Date.parse(s.approval!.deadline) - Date.now() > 60_000);
      assert.ok(!callsOf(world, 'reportAutoFailover').some((c) => c.detail === 'started'));
      await h.signal(rejectSignal, { by: 'alice', reason: 'test' });
      assert.equal((await endedWith(h)).failure.type, 'Rejected');
      unchanged(called(world));
    });
  });

  test("the pairs file has the policy off: the watch's failover waits for a person", async () => {
    const pair = autoPair('auto-off');
    const world = newWorld(pair);
    const file = { ...pair, autoFailover: { ...pair.autoFailover!, enabled: false } };
    let n = 0;
    const stubs = worldStubs(pair, world, {
      watchTick: async () => tick(n++ < 1),
      assess: outage,
      autoFailoverPolicy: autoFailoverActivities({
        pairs: () => new Map([[pair.name, file]]),
      } as unknown as ActivityDeps).autoFailoverPolicy,
    });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const watch = await startWatch(env, taskQueue, pair);
      const { h, s } = await failoverWaiting(env, pair);
      assert.ok(s.audit.some((a) => a.action === 'policy' && /not enabled .* pairs file/.test(a.note ?? '')));
      assert.ok(Date.parse(s.approval!.deadline) - Date.now() > 60_000);
      await h.signal(rejectSignal, { by: 'alice', reason: 'test' });
      await endedWith(h);
      unchanged(called(world));
      await watch.signal(stopWatchSignal, { by: 'bob' });
      await watch.result();
    });
  });

  test('no Kafka client was ever loaded by these runs', () => {
    assert.ok(kafkaClientNeverLoaded());
  });
});
