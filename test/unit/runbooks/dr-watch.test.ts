// drWatch's logic, fast: the real workflow code on a private Temporal dev server (stubs/env.ts), its activities stubs
// (stubs/activities.ts) — no Kafka, Kafka Connect or emulator. Health from each check (since, why, transitions, the
// DrHealth search attribute, a page on a notable change), a failed check as "broken", continue-as-new keeping the
// state, stop, and a start that smuggles state refused.
// Verified broker-free: the pairs point every endpoint at 127.0.0.1:9 (nothing listens), the file asserts at the end
// that kafkajs was never loaded in its process (no Kafka client can have been built), and the four runbook files pass
// with every stack port variable (KDR_PRIMARY_PORT, KDR_SECONDARY_PORT, KDR_CONNECT_PORT, KDR_EMULATOR_PORT,
// KDR_DNS_PORT, KDR_DR_PORT) set to 9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { drWatch } from '../../../workflows/dr-watch';
import { stopWatchSignal, watchQuery, watchWorkflowId } from '../../../workflows/contract';
import { DrHealthKey } from '../../../workflows/runner';
import type { PairConfig } from '../../../src/config';
import type { KdrActivities } from '../../../activities';
import { callsOf, failure, newWorld, worldStubs, type Stubs } from './stubs/activities';
import { kafkaClientNeverLoaded, runbookEnv, type RunbookEnv } from './stubs/env';
import { stubPair } from './stubs/pair';
import { endedWith, until } from './stubs/run';

let env: RunbookEnv;
before(async () => {
  env = await runbookEnv();
});
after(async () => {
  await env?.teardown();
});

type Tick = Awaited<ReturnType<KdrActivities['watchTick']>>;

const tick = (health: Tick['health'], reasons: string[] = []): Tick => ({
  at: Date.now(),
  health,
  reasons,
  primaryReachable: true,
  connector: { state: 'running' },
  lag: { total: reasons.length ? 5_000 : 0, caughtUp: !reasons.length },
  newestReplicatedAt: 1_700_000_000_000,
  rpoMs: 0,
  exact: true,
  elapsedMs: 3,
});

async function watch<T>(
  pair: PairConfig,
  stubs: Stubs,
  input: Record<string, unknown>,
  fn: (h: Awaited<ReturnType<typeof start>>) => Promise<T>,
): Promise<T> {
  return env.withWorker(pair.name, stubs, async (taskQueue) => fn(await start(taskQueue, pair, input)));
}

function start(taskQueue: string, pair: PairConfig, input: Record<string, unknown>) {
  return env.client.workflow.start<typeof drWatch>('drWatch', {
    taskQueue,
    workflowId: watchWorkflowId(pair.name),
    args: [{ pair: pair.name, ...input }],
  });
}

describe('drWatch (stubbed activities)', () => {
  test('health follows the checks: a degraded check is reported with why and since, pages once, and sets DrHealth; stop ends the run', async () => {
    const pair = stubPair('watch', { watch: { interval: '1s' } });
    const world = newWorld(pair);
    const script: Tick[] = [tick('healthy'), tick('degraded', ['lag 5000 > 1000 on orders[0]'])];
    const stubs = worldStubs(pair, world, {
      async watchTick(_p, o) {
        const t = script.shift() ?? tick('degraded', ['lag 5000 > 1000 on orders[0]']);
        return o.canary ? { ...t, canary: { produced: 10, received: 10, latencyMaxMs: 80 } } : t;
      },
    });
    const result = await watch(pair, stubs, {}, async (h) => {
      const degraded = await until(
        () => h.query(watchQuery),
        (w) => w.health === 'degraded',
        'the degraded check',
      );
      assert.equal(degraded.pair, pair.name);
      assert.equal(degraded.why, 'lag 5000 > 1000 on orders[0]');
      assert.deepEqual(
        degraded.transitions.map((t) => [t.from, t.to]),
        [
          ['unknown', 'healthy'],
          ['healthy', 'degraded'],
        ],
      );
      assert.equal(degraded.since, degraded.transitions[1].at);
      assert.equal(degraded.last?.lag?.total, 5_000);
      const attrs = await until(
        () => h.describe(),
        (d) => d.typedSearchAttributes.get(DrHealthKey) === 'degraded',
        'DrHealth degraded',
      );
      assert.equal(attrs.typedSearchAttributes.get(DrHealthKey), 'degraded');
      await h.signal(stopWatchSignal, { by: 'bob', reason: 'maintenance window' });
      return h.result();
    });
    assert.equal(result.stoppedBy, 'bob');
    assert.equal(result.health, 'degraded');
    assert.ok(result.ticks >= 2);
    // The first check canaries (none measured yet); canaryEvery (5 min) keeps the next ones from it.
    assert.deepEqual(callsOf(world, 'watchTick').length >= 2, true);
    // A new watch turning healthy is no news; healthy -> degraded pages.
    assert.equal(callsOf(world, 'reportHealthChange').length, 1);
  });

  test('a check that cannot read the secondary marks the pair broken, and recovers with the next good check', async () => {
    const pair = stubPair('broken', { watch: { interval: '1s' } });
    const world = newWorld(pair);
    let calls = 0;
    const stubs = worldStubs(pair, world, {
      async watchTick() {
        calls++;
        if (calls === 2) throw failure('ClusterUnreachable', 'secondary 127.0.0.1:9 does not answer');
        return tick('healthy');
      },
    });
    await watch(pair, stubs, {}, async (h) => {
      const broken = await until(
        () => h.query(watchQuery),
        (w) => w.health === 'broken',
        'the broken check',
      );
      // The workflow shows the activity failure's own message (today "Activity task failed", not its cause).
      assert.match(broken.why, /^check failed: /);
      assert.equal(broken.last?.health, 'healthy', 'the last good measurements stay shown');
      const healthy = await until(
        () => h.query(watchQuery),
        (w) => w.transitions.length === 3,
        'the recovery',
      );
      assert.deepEqual(
        healthy.transitions.map((t) => t.to),
        ['healthy', 'broken', 'healthy'],
      );
      await h.signal(stopWatchSignal, { by: 'bob' });
      const r = await h.result();
      assert.equal(r.health, 'healthy');
    });
  });

  test('continues as new after continueAsNewEvery checks, keeping health, since and transitions', async () => {
    const pair = stubPair('can', { watch: { interval: '1s' } });
    const world = newWorld(pair);
    let calls = 0;
    const stubs = worldStubs(pair, world, {
      async watchTick() {
        calls++;
        return calls === 1 ? tick('healthy') : tick('degraded', ['connector task 0 FAILED']);
      },
    });
    await watch(pair, stubs, { continueAsNewEvery: 2 }, async (h) => {
      const first = await until(
        () => h.query(watchQuery),
        (w) => w.health === 'degraded',
        'the degraded check',
      );
      const later = await until(
        () => env.client.workflow.getHandle(h.workflowId).query(watchQuery),
        (w) => w.runs >= 2,
        'the next run',
      );
      assert.equal(later.startedAt, first.startedAt);
      assert.equal(later.since, first.since, 'the health has not changed: since is kept across runs');
      assert.deepEqual(
        later.transitions.map((t) => t.to),
        ['healthy', 'degraded'],
      );
      assert.ok(later.ticks >= 2);
      const latest = env.client.workflow.getHandle(h.workflowId);
      await latest.signal(stopWatchSignal, { by: 'bob' });
      const r = await latest.result();
      assert.equal(r.stoppedBy, 'bob');
    });
  });

  test('a start that carries state is refused with InvalidInput naming "state", before any check', async () => {
    const pair = stubPair('state');
    const world = newWorld(pair);
    const state = { health: 'healthy', since: 0, why: 'forged', startedAt: 0, ticks: 0, runs: 1, transitions: [] };
    await watch(pair, worldStubs(pair, world), { state }, async (h) => {
      const { failure: f } = await endedWith(h);
      assert.equal(f.type, 'InvalidInput');
      assert.match(f.message, /state/);
    });
    assert.deepEqual(callsOf(world, 'watchTick'), []);
  });

  test('no Kafka client was ever loaded by these runs', () => {
    assert.ok(kafkaClientNeverLoaded());
  });
});
