// The canary measures what an EventBridge event stream preserves, on the emulator's `reproduce` data plane (real
// records re-produced between the two local clusters): partitions and timestamps are not kept, headers are
// dropped, keys (null included) and values arrive intact. The same canary on MirrorMaker 2: test/stack/kafka/mm2-flow.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import { createTopic, deleteTopics, openBoth, primaryKafka, waitFor } from '../../../stack/harness/kafka';
import type { AdminSession } from '../../../src/kafka/admin';
import { lastCanaryProfile, runCanary } from '../../../src/kafka/canary';
import { describeProfile } from '../../../src/kafka/fidelity';
import {
  PRIMARY_ID,
  PRIMARY_REGION,
  SECONDARY_ID,
  SECONDARY_REGION,
  startTestEmulator,
  type TestEmulator,
} from '../../../stack/harness/emulator';

describe('canary fidelity on an EventBridge stream (reproduce data plane)', () => {
  const canaryTopic = uniqueName('t-fid-canary');
  const stream = uniqueName('kdr-fid');
  let emu: TestEmulator;
  let c: { primary: AdminSession; secondary: AdminSession; close(): Promise<void> };

  before(async () => {
    await ensureStack();
    c = await openBoth();
    await createTopic(c.primary, canaryTopic, 3);
    await createTopic(c.secondary, canaryTopic, 3);
    emu = await startTestEmulator({ dnsPort: undefined, eventBridgeDataPlane: { mode: 'reproduce' } });
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    await eb.createKafkaToKafka({
      name: stream,
      source: {
        regionId: PRIMARY_REGION,
        instanceId: PRIMARY_ID,
        topic: canaryTopic,
        consumerGroup: `${stream}-replicator`,
        offsetReset: 'earliest',
      },
      sink: { instanceId: SECONDARY_ID, topic: canaryTopic },
    });
    await eb.startEventStreaming(stream);
    await waitFor(
      'stream RUNNING',
      async () => ((await eb.getEventStreaming(stream)).Status === 'RUNNING' ? true : undefined),
      30000,
      300,
    );
  });

  after(async () => {
    await emu?.clients
      .eventbridge(SECONDARY_REGION)
      .deleteEventStreaming(stream)
      .catch(() => undefined);
    await emu?.close();
    if (c) {
      await deleteTopics(c.primary, [canaryTopic]);
      await deleteTopics(c.secondary, [canaryTopic]);
      await c.close();
    }
  });

  test('every record arrives; the profile says partition and timestamp not kept, headers dropped, key/value kept', async () => {
    const res = await runCanary(primaryKafka(), c.secondary, {
      runId: uniqueName('run'),
      topic: canaryTopic,
      count: 12,
      timeoutMs: 30000,
    });
    assert.equal(res.received, 12, `missing: ${JSON.stringify(res.missing)}`);
    const f = res.fidelity;
    assert.deepEqual(
      [
        f.measured,
        f.partitionPreserved,
        f.orderPreserved,
        f.timestampPreserved,
        f.keyValueIdentical,
        f.headersPreserved,
      ],
      [true, false, false, false, true, false],
      describeProfile(f),
    );
    assert.equal(res.timestampsPreserved, false);
    // Read back from the secondary alone (as a failover must when the primary is gone): the same profile.
    const read = await lastCanaryProfile(c.secondary, canaryTopic);
    const flags = (x: typeof f) => [
      x.measured,
      x.partitionPreserved,
      x.orderPreserved,
      x.timestampPreserved,
      x.keyValueIdentical,
      x.headersPreserved,
      x.runId,
      x.samples,
    ];
    assert.deepEqual(flags(read), flags(f), 'the newest complete canary run on the secondary gives the same profile');
    console.log(
      `# reproduce plane: ${describeProfile(f)}; latency p50 ${res.latencyMs?.p50} ms max ${res.latencyMs?.max} ms`,
    );
  });

  test('a canary that times out leaves the profile unmeasured (the most pessimistic)', async () => {
    const res = await runCanary(primaryKafka(), c.secondary, {
      runId: uniqueName('run'),
      topic: canaryTopic,
      count: 3,
      timeoutMs: 1,
    });
    if (res.received < 3) assert.equal(res.fidelity.measured, false);
  });

  test('a canary topic with no complete run on the secondary gives the unmeasured profile', async () => {
    const empty = uniqueName('t-fid-empty');
    await createTopic(c.secondary, empty, 2);
    try {
      assert.equal((await lastCanaryProfile(c.secondary, empty)).measured, false);
    } finally {
      await deleteTopics(c.secondary, [empty]);
    }
  });
});
