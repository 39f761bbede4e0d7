// EventBridge stream names never collide across pairs and streams are found by exact name, never by prefix:
// pair "a" + topic "b-c" and pair "a-b" + topic "c" get two streams, and pausing or removing one pair's streams
// leaves the other's alone (the old `kdr-<pair>-` prefix lookup paused "orders-eu" along with "orders").
// Against the local stack's Alibaba Cloud emulator.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCloudClients } from '../../../src/cloud';
import { EventBridgeProvider, STREAM_NAME_MAX, streamName } from '../../../src/connectors/eventbridge';
import type { ReplicationPairSpec } from '../../../src/connectors/types';
import { local } from '../../../stack/local-stack';
import {
  PRIMARY_ID,
  PRIMARY_REGION,
  SECONDARY_ID,
  SECONDARY_REGION,
  stackAdminEnv,
} from '../../../stack/harness/emulator';
import { createTopic, openBoth } from '../../../stack/harness/kafka';
import { testEnv, uniqueName } from '../../../stack/harness/kdr';

const EMULATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{1,126}$/;

describe('EventBridge stream names', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
  });

  test("the colliding examples get different names; every name fits the service's rules", () => {
    assert.notEqual(streamName('a', 'b-c'), streamName('a-b', 'c'));
    assert.notEqual(streamName('orders', 'eu-payments'), streamName('orders-eu', 'payments'));
    const longPair = 'p'.repeat(63);
    const a = streamName(longPair, `${'t'.repeat(200)}.one`);
    const b = streamName(longPair, `${'t'.repeat(200)}.two`);
    assert.notEqual(a, b, 'topics that differ only after the cut still differ');
    for (const n of [a, b, streamName('a', 'x.y'), streamName('a', 'b-c')]) {
      assert.ok(n.length <= STREAM_NAME_MAX, `${n.length} characters`);
      assert.match(n, EMULATOR_NAME);
    }
    assert.equal(streamName('a', 'b-c'), streamName('a', 'b-c'), 'stable');
  });

  test("pause and remove of one pair leave the other pair's stream alone (exact names, no prefix)", async () => {
    const base = uniqueName('sec-eb');
    const client = createCloudClients(testEnv()).eventbridge(SECONDARY_REGION);
    // Listing by prefix is for this check only: the worker's RAM policy leaves out ListEventStreamings.
    const lister = createCloudClients(stackAdminEnv(testEnv())).eventbridge(SECONDARY_REGION);
    const provider = new EventBridgeProvider(client);
    const spec = (pair: string, topic: string): ReplicationPairSpec => ({
      pair,
      primary: { bootstrapServers: [local.primaryBootstrap], region: PRIMARY_REGION, instanceId: PRIMARY_ID },
      secondary: { bootstrapServers: [local.secondaryBootstrap], instanceId: SECONDARY_ID },
      topics: [topic],
    });
    // The shape of pair "a" + topic "b-c" vs pair "a-b" + topic "c", with topics of this test's own.
    const c = uniqueName('sec-eb-t');
    const bc = `b-${c}`;
    const kafka = await openBoth();
    for (const side of [kafka.primary, kafka.secondary]) for (const t of [bc, c]) await createTopic(side, t, 1);
    // The topics stay (one partition each, names of their own): the emulator's admin client has read their
    // metadata, and kafkajs keeps asking for a topic it once knew, so deleting them would break its later calls.
    cleanups.push(() => kafka.close());
    const mine = spec(base, bc);
    const theirs = spec(`${base}-b`, c);
    cleanups.unshift(
      () => provider.remove(mine),
      () => provider.remove(theirs),
    );
    await provider.ensure(mine);
    await provider.ensure(theirs);
    const names = (await lister.listEventStreamings({ namePrefix: `kdr-${base}-` }))
      .map((s) => s.EventStreamingName)
      .sort();
    assert.deepEqual(names, [streamName(base, bc), streamName(`${base}-b`, c)].sort(), 'two streams, not one');

    await provider.pause(mine);
    assert.equal((await client.getEventStreaming(streamName(base, bc))).Status, 'PAUSED');
    assert.notEqual(
      (await client.getEventStreaming(streamName(`${base}-b`, c))).Status,
      'PAUSED',
      'the other pair keeps replicating',
    );

    assert.deepEqual(await provider.remove(mine), { removed: true });
    const left = (await lister.listEventStreamings({ namePrefix: `kdr-${base}-` })).map((s) => s.EventStreamingName);
    assert.deepEqual(left, [streamName(`${base}-b`, c)], "only the removed pair's stream is gone");
    assert.equal((await provider.state(theirs)).state === 'absent', false);
  });
});
