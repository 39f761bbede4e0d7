// drSetup's runbook logic, fast: the real workflow code on a private Temporal dev server (stubs/env.ts), every
// activity a stub (stubs/activities.ts) — no Kafka, Kafka Connect or emulator. The protected path (and the drWatch it
// starts), the refusal to undo a failover or an unfinished failback, a blocked preflight / connector / canary resolved
// by retry, skip refused, abort, invalid input.
// Verified broker-free: the pairs point every endpoint at 127.0.0.1:9 (nothing listens), the file asserts at the end
// that kafkajs was never loaded in its process (no Kafka client can have been built), and the four runbook files pass
// with every stack port variable (KDR_PRIMARY_PORT, KDR_SECONDARY_PORT, KDR_CONNECT_PORT, KDR_EMULATOR_PORT,
// KDR_DNS_PORT, KDR_DR_PORT) set to 9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { drSetup } from '../../../workflows/dr-setup';
import { resolveSignal, setupWorkflowId, watchQuery, watchWorkflowId } from '../../../workflows/contract';
import type { PairConfig } from '../../../src/config';
import { called, callsOf, newWorld, worldStubs, type Stubs, type World } from './stubs/activities';
import { kafkaClientNeverLoaded, runbookEnv, type RunbookEnv } from './stubs/env';
import { stubPair } from './stubs/pair';
import { blocked, endedWith, states, status, until } from './stubs/run';

let env: RunbookEnv;
before(async () => {
  env = await runbookEnv();
});
after(async () => {
  await env?.teardown();
});

async function setup<T>(
  pair: PairConfig,
  stubs: Stubs,
  input: Record<string, unknown>,
  fn: (h: Awaited<ReturnType<typeof start>>) => Promise<T>,
): Promise<T> {
  return env.withWorker(pair.name, stubs, async (taskQueue) => fn(await start(taskQueue, pair, input)));
}

function start(taskQueue: string, pair: PairConfig, input: Record<string, unknown>) {
  return env.client.workflow.start<typeof drSetup>('drSetup', {
    taskQueue,
    workflowId: setupWorkflowId(pair.name),
    args: [{ pair: pair.name, requestedBy: 'alice', watch: false, ...input }],
  });
}

const changing = ['ensureReplication', 'ensureCname', 'pauseReplication'];
const changesIn = (world: World) => called(world).filter((n) => changing.includes(n));
const ALL_STEPS = [
  'load-pair',
  'not-failed-over',
  'preflight',
  'ensure-connector',
  'wait-running',
  'connector-verify',
  'parity',
  'ensure-cname',
  'report',
];

describe('drSetup (stubbed activities)', () => {
  test('protects a pair: connector created and running, canary verified, CNAME on the primary, drWatch started', async () => {
    const pair = stubPair('setup');
    const world = { ...newWorld(pair), cname: null, forward: 'absent' as const } as World;
    let reads = 0;
    const stubs = worldStubs(pair, world, {
      async replicationState(p) {
        reads++;
        return reads === 1
          ? { id: `kdr-${p.name}-mm2-source`, state: 'failed', cause: 'rebalancing' }
          : {
              id: `kdr-${p.name}-mm2-source`,
              state: 'running',
              tasks: [{ id: `kdr-${p.name}-mm2-source/0`, state: 'RUNNING' }],
            };
      },
    });
    const result = await setup(pair, stubs, { watch: true }, async (h) => {
      const r = await h.result();
      // The watch is an abandoned child on the same task queue: it runs on this worker, with the same stubs.
      const watch = env.client.workflow.getHandle(watchWorkflowId(pair.name));
      const health = await until(
        () => watch.query(watchQuery),
        (w) => w.ticks >= 1,
        "the watch's first check",
      );
      assert.equal(health.health, 'healthy');
      await watch.terminate('test over');
      return r;
    });
    assert.deepEqual(
      result.steps.map((s) => s.name),
      ALL_STEPS,
    );
    assert.ok(
      result.steps.every((s) => s.state === 'succeeded'),
      JSON.stringify(states(result.steps)),
    );
    assert.deepEqual(result.connector, {
      provider: 'kafka-connect',
      id: `kdr-${pair.name}-mm2-source`,
      state: 'running',
      created: true,
    });
    assert.deepEqual(result.dns, {
      domain: `${pair.dns.rr}.kdr.test`,
      target: 'primary.kdr.test',
      ttl: 1,
      action: 'added',
      resolvers: [{ resolver: '127.0.0.1:9', target: 'primary.kdr.test' }],
    });
    assert.equal(result.verify.received, 10);
    assert.equal(result.verify.fidelitySummary, 'all kept');
    assert.deepEqual(result.watch, { workflowId: watchWorkflowId(pair.name), outcome: 'started' });
    assert.match(
      result.steps.find((s) => s.name === 'wait-running')?.summary ?? '',
      /RUNNING \(1 tasks\); looked failed 1 time\(s\) on the way \(rebalancing\)/,
    );
    assert.match(
      result.steps.find((s) => s.name === 'preflight')?.summary ?? '',
      /2 consumer group\(s\) selected \(billing, shipping\)/,
    );
    // The failover check runs before anything changes, and again right before each change.
    const order = called(world).filter((n) =>
      ['readCname', 'checkClusters', 'ensureReplication', 'ensureCname'].includes(n),
    );
    assert.deepEqual(order, [
      'readCname',
      'checkClusters',
      'readCname',
      'ensureReplication',
      'readCname',
      'ensureCname',
    ]);
    assert.deepEqual(
      result.audit.map((a) => a.action),
      ['connector', 'cname'],
    );
    assert.match(result.audit[1].note ?? '', /\(none\) -> primary\.kdr\.test \(added\)/);
  });

  test('a failed-over pair: blocked before anything changes; skip is refused, abort ends the run with the refusal audited', async () => {
    const pair = stubPair('failedover');
    const world = { ...newWorld(pair), cname: 'secondary.kdr.test' };
    await setup(pair, worldStubs(pair, world), {}, async (h) => {
      const row = await blocked(h, 'not-failed-over');
      assert.match(row.lastError ?? '', /PairFailedOver: this pair has failed over; use failback/);
      await h.signal(resolveSignal, { action: 'skip', by: 'bob' });
      await until(
        () => status(h),
        (s) => s.audit.some((a) => a.action === 'resolve:skip'),
        'the refused skip',
      );
      await h.signal(resolveSignal, { action: 'abort', by: 'bob', note: 'fail back instead' });
      const { failure, report } = await endedWith(h);
      assert.equal(failure.type, 'Aborted');
      assert.equal(report?.outcome, 'aborted');
      assert.deepEqual(
        report?.audit.map((a) => [a.action, a.accepted]),
        [
          ['refuse', false],
          ['resolve:skip', false],
          ['resolve:abort', true],
        ],
      );
      assert.match(report?.audit[1].reason ?? '', /not skippable|cannot be skipped|skippable/);
      assert.deepEqual(states(report?.steps ?? []), {
        'load-pair': 'succeeded',
        'not-failed-over': 'aborted',
        preflight: 'pending',
        'ensure-connector': 'pending',
        'wait-running': 'pending',
        'connector-verify': 'pending',
        parity: 'pending',
        'ensure-cname': 'pending',
        report: 'pending',
      });
    });
    assert.deepEqual(changesIn(world), []);
    assert.equal(world.cname, 'secondary.kdr.test');
  });

  test('an unfinished failback (reverse replication running): blocked, nothing changed', async () => {
    const pair = stubPair('reverse');
    const world: World = { ...newWorld(pair), reverse: 'running' };
    await setup(pair, worldStubs(pair, world), {}, async (h) => {
      const row = await blocked(h, 'not-failed-over');
      assert.match(
        row.lastError ?? '',
        /PairFailedOver: this pair replicates in reverse .* a failback is not finished/,
      );
      await h.terminate('test over');
    });
    assert.deepEqual(changesIn(world), []);
  });

  test('preflight: an unreachable cluster blocks; resolve retry after the fix runs only that step again', async () => {
    const pair = stubPair('preflight');
    const world = newWorld(pair);
    let down = true;
    const stubs = worldStubs(pair, world, {
      async checkClusters() {
        return {
          primary: { reachable: true, brokers: 1 },
          secondary: down
            ? { reachable: false, error: 'connect ECONNREFUSED 127.0.0.1:9' }
            : { reachable: true, brokers: 1 },
        };
      },
    });
    const result = await setup(pair, stubs, {}, async (h) => {
      const row = await blocked(h, 'preflight');
      assert.match(row.lastError ?? '', /ClusterUnreachable: secondary cluster 127\.0\.0\.1:9 does not answer/);
      assert.deepEqual(changesIn(world), []);
      down = false;
      await h.signal(resolveSignal, { action: 'retry', by: 'bob', note: 'secondary restarted' });
      return h.result();
    });
    assert.equal(result.steps.find((s) => s.name === 'preflight')?.attempts, 2);
    assert.equal(callsOf(world, 'checkClusters').length, 2);
    assert.equal(callsOf(world, 'prepareSecondary').length, 1);
    assert.equal(result.watch, undefined);
    assert.match(result.steps.find((s) => s.name === 'report')?.summary ?? '', /drWatch not started/);
    assert.equal(result.dns.action, 'unchanged');
  });

  test('a connector failed in three reads in a row blocks wait-running; retry waits again without re-creating it', async () => {
    const pair = stubPair('connfail');
    const world = newWorld(pair);
    let broken = true;
    const stubs = worldStubs(pair, world, {
      async replicationState(p) {
        return broken
          ? { id: `kdr-${p.name}-mm2-source`, state: 'failed', cause: 'auth failed' }
          : { id: `kdr-${p.name}-mm2-source`, state: 'running' };
      },
    });
    const result = await setup(pair, stubs, {}, async (h) => {
      const row = await blocked(h, 'wait-running');
      assert.match(
        row.lastError ?? '',
        /ConnectorFailed: connector kdr-.* failed \(seen 3 times in a row, 3 s apart\): auth failed/,
      );
      assert.equal(callsOf(world, 'replicationState').length, 3);
      broken = false;
      await h.signal(resolveSignal, { action: 'retry', by: 'bob' });
      return h.result();
    });
    assert.equal(callsOf(world, 'ensureReplication').length, 1);
    assert.equal(result.steps.find((s) => s.name === 'wait-running')?.attempts, 2);
  });

  test('a canary that does not arrive blocks connector-verify, before the CNAME is touched', async () => {
    const pair = stubPair('canary');
    const world = { ...newWorld(pair), cname: null };
    const stubs = worldStubs(pair, world, {
      async runCanary(p, runId) {
        return {
          runId,
          topic: p.replication.canaryTopic,
          produced: 10,
          received: 7,
          missing: [{ seq: 8, partition: 0 }],
          latencyMs: null,
          timestampsPreserved: null,
          fidelity: {
            measured: false,
            partitionPreserved: false,
            orderPreserved: false,
            timestampPreserved: false,
            keyValueIdentical: false,
            headersPreserved: false,
          },
          fidelitySummary: 'unmeasured',
          elapsedMs: 1_000,
        };
      },
    });
    await setup(pair, stubs, {}, async (h) => {
      const row = await blocked(h, 'connector-verify');
      assert.match(row.lastError ?? '', /VerifyFailed: 3\/10 canary records did not reach the secondary/);
      assert.ok(!called(world).includes('ensureCname'));
      await h.terminate('test over');
    });
    assert.equal(world.cname, null);
  });

  test('invalid input: InvalidInput names the missing pair, nothing is called', async () => {
    const pair = stubPair('invalid');
    const world = newWorld(pair);
    await setup(pair, worldStubs(pair, world), { pair: undefined, watch: 'maybe' }, async (h) => {
      const { failure } = await endedWith(h);
      assert.equal(failure.type, 'InvalidInput');
      assert.match(failure.message, /pair: missing: give "pair"/);
      assert.match(failure.message, /watch/);
    });
    assert.deepEqual(world.calls, []);
  });

  test('no Kafka client was ever loaded by these runs', () => {
    assert.ok(kafkaClientNeverLoaded());
  });
});
