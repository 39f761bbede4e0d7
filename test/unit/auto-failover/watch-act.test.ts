// drWatch acting on its automatic failover decision: nothing started for a primary down shorter than `after`, one
// alert (no failover) for a partition seen from one vantage point, one page (no failover) for an estimate above
// maxAtRisk, none while paused (kdr auto pause) until a listed approver resumes, never for a pair already failed
// over, and one alert when the secondary cannot take over. The real watch on a private dev server, stubbed checks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  pauseAutoFailoverSignal,
  resumeAutoFailoverSignal,
  stopWatchSignal,
  failoverWorkflowId,
  rejectSignal,
} from '../../../workflows/contract';
import { callsOf, newWorld, worldStubs, type World } from '../runbooks/stubs/activities';
import { runbookEnv, type RunbookEnv } from '../runbooks/stubs/env';
import { endedWith, until } from '../runbooks/stubs/run';
import { POLICY, autoPair, failoverWaiting, outage, startWatch, tick, watchOf } from './auto-stubs';

let env: RunbookEnv;
before(async () => {
  env = await runbookEnv();
});
after(async () => {
  await env?.teardown();
});

const events = (world: World, event: string) => callsOf(world, 'reportAutoFailover').filter((c) => c.detail === event);
const checks = (world: World) => callsOf(world, 'watchTick').length;

describe('drWatch acts on the automatic failover decision', { concurrency: true }, () => {
  test('down for less than `after`, then back: nothing started, the clock stopped', async () => {
    const pair = autoPair('auto-flap');
    const world = newWorld(pair);
    let n = 0;
    // up, down x3, then up for good
    const stubs = worldStubs(pair, world, { watchTick: async () => tick(n++ < 1 || n > 4) });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const h = await startWatch(env, taskQueue, pair);
      // Past `after` (10 s at 1 s checks) counted from the first silent check.
      await until(
        async () => checks(world),
        (x) => x >= 16,
        'sixteen checks',
      );
      assert.equal(callsOf(world, 'assess').length, 0, 'no failover started');
      assert.equal(events(world, 'clock-started').length, 1);
      assert.equal(events(world, 'clock-stopped').length, 1);
      assert.equal((await watchOf(h)).auto?.decision, 'healthy');
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
    });
  });

  test("the worker's probe cannot reach the primary while the remote probe can: one alert, no failover", async () => {
    const pair = autoPair('auto-part');
    const world = newWorld(pair);
    const stubs = worldStubs(pair, world, { watchTick: async () => tick(false) });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      // The remote probe's queue: this file's worker, answering probePrimary({ via: 'remote' }) with "up".
      pair.autoFailover!.probes.remote = { taskQueue };
      const h = await startWatch(env, taskQueue, pair);
      const w = await until(
        () => watchOf(h),
        (x) => x.ticks >= 14,
        'fourteen checks',
      );
      assert.equal(w.auto?.decision, 'alert-partition');
      assert.match(w.auto!.why, /partition seen from kafka/);
      assert.deepEqual(
        w.auto?.readings?.map((r) => `${r.probe}:${r.verdict}`),
        ['kafka:down', 'remote:up'],
      );
      assert.equal(events(world, 'partition').length, 1, 'one alert for the episode');
      assert.equal(callsOf(world, 'assess').length, 0, 'no failover');
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
    });
  });

  test('the estimate above maxAtRisk: one page with the estimate, no failover', async () => {
    const pair = autoPair('auto-held', { autoFailover: { ...POLICY, maxAtRisk: { records: 5 } } });
    const world = newWorld(pair);
    let n = 0;
    const stubs = worldStubs(pair, world, { watchTick: async () => tick(n++ < 1, 7) });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const h = await startWatch(env, taskQueue, pair);
      await until(
        () => watchOf(h),
        (x) => x.auto?.decision === 'hold-for-human',
        'held',
      );
      const more = checks(world) + 4;
      const w = await until(
        () => watchOf(h),
        (x) => x.ticks >= more,
        'four more checks',
      );
      assert.match(w.auto!.why, /7 records at risk > maxAtRisk.records 5/);
      assert.equal(events(world, 'held').length, 1, 'one page, not one per check');
      assert.equal(callsOf(world, 'assess').length, 0, 'no failover');
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
    });
  });

  test('paused: no failover and one page; a resume by someone not listed is refused; a listed one resumes', async () => {
    const pair = autoPair('auto-pause');
    const world = newWorld(pair);
    let n = 0;
    const stubs = worldStubs(pair, world, { watchTick: async () => tick(n++ < 1), assess: outage });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const h = await startWatch(env, taskQueue, pair);
      await h.signal(pauseAutoFailoverSignal, { by: 'carol', reason: 'maintenance on the primary' });
      const paused = await until(
        () => watchOf(h),
        (x) => x.auto?.decision === 'down-confirmed' && /paused by carol/.test(x.auto.why),
        'down-confirmed while paused',
      );
      assert.equal(paused.auto?.paused?.by, 'carol');
      assert.equal(callsOf(world, 'assess').length, 0, 'no failover while paused');
      await h.signal(resumeAutoFailoverSignal, { by: 'mallory' });
      const refused = await until(
        () => watchOf(h),
        (x) => (x.auto?.audit ?? []).some((a) => a.by === 'mallory'),
        'the refused resume audited',
      );
      const entry = refused.auto!.audit!.find((a) => a.by === 'mallory')!;
      assert.equal(entry.accepted, false);
      assert.match(entry.reason ?? '', /not in approval.allowList/);
      assert.equal(refused.auto?.paused?.by, 'carol', 'still paused');
      assert.equal(events(world, 'held').length, 1, 'one page while paused');
      await h.signal(resumeAutoFailoverSignal, { by: 'alice', reason: 'maintenance done' });
      const { h: failover } = await failoverWaiting(env, pair);
      const resumed = await watchOf(h);
      assert.equal(resumed.auto?.paused, undefined);
      assert.ok(resumed.auto?.audit?.some((a) => a.by === 'alice' && a.action === 'resume' && a.accepted));
      await failover.signal(rejectSignal, { by: 'alice', reason: 'test over' });
      await endedWith(failover);
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
    });
  });

  test('a pair already failed over: never, no failover', async () => {
    const pair = autoPair('auto-done');
    const world = newWorld(pair);
    world.cname = pair.secondary.endpointHost;
    const stubs = worldStubs(pair, world, { watchTick: async () => tick(false) });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const h = await startWatch(env, taskQueue, pair);
      const w = await until(
        () => watchOf(h),
        (x) => x.ticks >= 3,
        'three checks',
      );
      assert.equal(w.auto?.decision, 'never');
      assert.match(w.auto!.why, /already failed over/);
      assert.equal(callsOf(world, 'assess').length, 0);
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
      const none = await env.client.workflow
        .getHandle(failoverWorkflowId(pair.name))
        .describe()
        .then(
          () => false,
          () => true,
        );
      assert.ok(none, 'no drFailover was started');
    });
  });

  test('the secondary cannot be read while the remote probe sees the primary down: one alert, no failover', async () => {
    const pair = autoPair('auto-unsafe', { autoFailover: { ...POLICY, quorum: 1 } });
    const world = newWorld(pair);
    const stubs = worldStubs(pair, world, {
      watchTick: async () => {
        throw new Error('secondary 127.0.0.1:9 does not answer');
      },
      probePrimary: async () => ({ probe: 'remote', verdict: 'down', at: Date.now(), error: 'ECONNREFUSED' }),
    });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      pair.autoFailover!.probes.remote = { taskQueue };
      const h = await startWatch(env, taskQueue, pair);
      const w = await until(
        () => watchOf(h),
        (x) => x.ticks >= 5,
        'five checks',
      );
      assert.equal(w.auto?.decision, 'never');
      assert.match(w.auto!.why, /secondary cannot take over/);
      assert.equal(events(world, 'unsafe').length, 1, 'one alert for the episode');
      assert.equal(callsOf(world, 'assess').length, 0);
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
    });
  });
});
