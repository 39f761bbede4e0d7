// drFailover's assess service over fake clusters: whether the secondary can take over (every replicated topic,
// the primary's partition counts), the replication state, and which latency the plan's margin must cover.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assessFailover, type AssessPorts, type AssessedCluster } from '../../../src/failover/assess';
import { OperatorActionError } from '../../../src/errors';
import { isRetriable } from '../../../src/retriable';

function cluster(counts: Record<string, number>, listed = Object.keys(counts)): AssessedCluster {
  return {
    replicatedTopics: async () => listed,
    partitionCounts: async (topics) =>
      new Map(topics.filter((t) => t in counts).map((t): [string, number] => [t, counts[t]])),
  };
}

function ports(over: Partial<AssessPorts> = {}, secondary: Record<string, number> = { orders: 3, __canary: 1 }) {
  const calls: string[] = [];
  const p: AssessPorts = {
    pair: 'p1',
    primaryCheck: { reachable: true },
    primary: cluster({ orders: 3, __canary: 1 }),
    secondary: {
      ...cluster(secondary),
      describe: async () => ({ brokers: 3, clusterId: 'c2' }),
      newestRecordTimestamp: async () => 1_700_000_000_000,
      lastCanaryLatency: async () => {
        calls.push('lastCanary');
        return 420;
      },
    },
    connectorState: async () => ({ state: 'running' }),
    runCanary: async () => {
      calls.push('canary');
      return { produced: 5, received: 5, latencyMs: { max: 37 } };
    },
    thresholdMs: 60_000,
    ...over,
  };
  return { p, calls };
}

describe('assessFailover', () => {
  test('a drill: both sides answer, replication runs, the latency is a canary measured now', async () => {
    const { p, calls } = ports();
    const a = await assessFailover(p);
    assert.equal(a.primaryReachable, true);
    assert.deepEqual(a.topics, ['orders', '__canary']);
    assert.equal(a.partitions, 4);
    assert.deepEqual(a.secondary, { brokers: 3, clusterId: 'c2' });
    assert.deepEqual(a.connector, { state: 'running' });
    assert.deepEqual(a.latency, { ms: 37, source: 'canary' });
    assert.equal(a.newestReplicatedAt, 1_700_000_000_000);
    assert.deepEqual(calls, ['canary']);
  });

  test('a canary that lost records, or replication not running, leaves the pair threshold', async () => {
    const lost = ports({ runCanary: async () => ({ produced: 5, received: 4, latencyMs: { max: 37 } }) });
    assert.deepEqual((await assessFailover(lost.p)).latency, { ms: 60_000, source: 'threshold' });
    const paused = ports({ connectorState: async () => ({ state: 'paused', cause: 'by kdr' }) });
    const a = await assessFailover(paused.p);
    assert.deepEqual(a.connector, { state: 'paused', cause: 'by kdr' });
    assert.deepEqual(a.latency, { ms: 60_000, source: 'threshold' });
    assert.deepEqual(paused.calls, [], 'no canary is sent over a replication that does not run');
  });

  test('a replication state that cannot be read is "unknown", with why; the assessment goes on', async () => {
    const { p } = ports({ connectorState: async () => Promise.reject(new Error('Connect refused')) });
    const a = await assessFailover(p);
    assert.deepEqual(a.connector, { state: 'unknown', cause: 'Connect refused' });
  });

  test("an outage: topics from the secondary, latency from drWatch's last canary there, the primary's error kept", async () => {
    const { p, calls } = ports({
      primaryCheck: { reachable: false, error: 'no answer within 6000 ms' },
      primary: null,
    });
    const a = await assessFailover(p);
    assert.equal(a.primaryReachable, false);
    assert.equal(a.primaryError, 'no answer within 6000 ms');
    assert.deepEqual(a.latency, { ms: 420, source: 'canary-secondary' });
    assert.deepEqual(calls, ['lastCanary']);
  });

  test('an outage with no canary measured on the secondary falls back to the threshold', async () => {
    const base = ports({ primaryCheck: { reachable: false }, primary: null });
    base.p.secondary.lastCanaryLatency = async () => null;
    assert.deepEqual((await assessFailover(base.p)).latency, { ms: 60_000, source: 'threshold' });
  });

  test('a secondary without a replicated topic cannot take over: a permanent SecondaryIncomplete naming it', async () => {
    const { p } = ports({}, { __canary: 1 });
    const err = await assessFailover(p).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof OperatorActionError);
    assert.equal(err.type, 'SecondaryIncomplete');
    assert.equal(isRetriable(err), false);
    assert.match(err.message, /lacks replicated topic\(s\) orders: .*run drSetup for pair p1/);
  });

  test('partition counts that differ refuse the failover: PartitionCountMismatch with both counts', async () => {
    const { p } = ports({}, { orders: 6, __canary: 1 });
    await assert.rejects(
      assessFailover(p),
      (e: unknown) =>
        e instanceof OperatorActionError &&
        e.type === 'PartitionCountMismatch' &&
        /orders \(primary 3, secondary 6\)/.test(e.message),
    );
  });
});
