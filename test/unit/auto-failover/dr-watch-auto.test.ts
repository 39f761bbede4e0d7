// drWatch with autoFailover enabled, fast: the real workflow code on a private dev server with stubbed checks.
// The down clock runs in the watch's state from the first check that finds the primary silent, is reset by a flap,
// and reaches "down-confirmed" only after `after`; a pair without the policy carries no decision at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { drWatch } from '../../../workflows/dr-watch';
import { stopWatchSignal, watchQuery, watchWorkflowId } from '../../../workflows/contract';
import type { PairConfig } from '../../../src/config';
import type { KdrActivities } from '../../../activities';
import { newWorld, worldStubs, type Stubs } from '../runbooks/stubs/activities';
import { kafkaClientNeverLoaded, runbookEnv, type RunbookEnv } from '../runbooks/stubs/env';
import { stubPair } from '../runbooks/stubs/pair';
import { until } from '../runbooks/stubs/run';

let env: RunbookEnv;
before(async () => {
  env = await runbookEnv();
});
after(async () => {
  await env?.teardown();
});

type Tick = Awaited<ReturnType<KdrActivities['watchTick']>>;
const tick = (primaryReachable: boolean): Tick => ({
  at: Date.now(),
  health: primaryReachable ? 'healthy' : 'broken',
  reasons: primaryReachable ? [] : ['primary 127.0.0.1:9 does not answer: connect ECONNREFUSED'],
  primaryReachable,
  connector: { state: 'running' },
  lag: primaryReachable ? { total: 7, caughtUp: true } : null,
  newestReplicatedAt: 1_700_000_000_000,
  rpoMs: 400,
  exact: true,
  elapsedMs: 3,
});

const policy = { enabled: true, after: '10s', vetoWindow: '10s', maxAtRisk: { seconds: 60, records: 100 } };

async function watch<T>(pair: PairConfig, stubs: Stubs, fn: (h: Awaited<ReturnType<typeof start>>) => Promise<T>) {
  return env.withWorker(pair.name, stubs, async (taskQueue) => fn(await start(taskQueue, pair)));
}
function start(taskQueue: string, pair: PairConfig) {
  return env.client.workflow.start<typeof drWatch>('drWatch', {
    taskQueue,
    workflowId: watchWorkflowId(pair.name),
    args: [{ pair: pair.name }],
  });
}

describe('drWatch automatic failover decision (stubbed checks)', () => {
  test('primary silent without a break: suspect with the clock, then down-confirmed with the at-risk estimate', async () => {
    const pair = stubPair('auto', { watch: { interval: '1s' }, autoFailover: policy });
    const world = newWorld(pair);
    let n = 0;
    const stubs = worldStubs(pair, world, {
      async watchTick() {
        return tick(n++ < 2);
      },
    });
    await watch(pair, stubs, async (h) => {
      const suspect = await until(
        () => h.query(watchQuery),
        (w) => w.auto?.decision === 'suspect',
        'suspect',
      );
      const since = suspect.auto?.clock?.since;
      assert.ok(since !== undefined, 'the clock runs');
      assert.match(suspect.auto!.why, /automatic failover in \d+ s unless it answers again/);
      assert.match(suspect.auto!.clock!.evidence[0].error ?? '', /ECONNREFUSED/);
      const confirmed = await until(
        () => h.query(watchQuery),
        (w) => w.auto?.decision === 'down-confirmed',
        'confirmed',
        40_000,
      );
      assert.equal(confirmed.auto?.clock?.since, since, 'one clock from the first silent check');
      // The estimate comes from the last check that read both sides: 7 records behind.
      assert.match(confirmed.auto!.why, /at risk: 7 record\(s\)/);
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
    });
  });

  test('a flap inside `after` resets the clock: the next silence starts a new one', async () => {
    const pair = stubPair('flap', { watch: { interval: '1s' }, autoFailover: policy });
    const world = newWorld(pair);
    // up, down x3, up (the flap), then down for good
    const script = [true, false, false, false, true];
    const stubs = worldStubs(pair, world, {
      async watchTick() {
        return tick(script.shift() ?? false);
      },
    });
    await watch(pair, stubs, async (h) => {
      const first = await until(
        () => h.query(watchQuery),
        (w) => w.auto?.clock !== undefined,
        'first clock',
      );
      const healthy = await until(
        () => h.query(watchQuery),
        (w) => w.ticks >= 5 && w.auto?.decision === 'healthy',
        'the flap',
      );
      assert.equal(healthy.auto?.decision, 'healthy');
      assert.match(healthy.auto!.why, /answers again .* clock reset/);
      assert.equal(healthy.auto?.clock, undefined);
      const again = await until(
        () => h.query(watchQuery),
        (w) => w.auto?.clock !== undefined,
        'second clock',
      );
      assert.ok(again.auto!.clock!.since > first.auto!.clock!.since, 'a new clock, not the old one');
      assert.equal(again.auto?.decision, 'suspect');
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
    });
  });

  test('a pair without the policy carries no automatic failover decision', async () => {
    const pair = stubPair('noauto', { watch: { interval: '1s' } });
    const world = newWorld(pair);
    const stubs = worldStubs(pair, world, {
      async watchTick() {
        return tick(false);
      },
    });
    await watch(pair, stubs, async (h) => {
      const w = await until(
        () => h.query(watchQuery),
        (s) => s.ticks >= 2,
        'two checks',
      );
      assert.equal(w.auto, undefined);
      await h.signal(stopWatchSignal, { by: 'bob' });
      await h.result();
    });
  });

  test('no Kafka client was ever loaded by these runs', () => {
    assert.ok(kafkaClientNeverLoaded());
  });
});
