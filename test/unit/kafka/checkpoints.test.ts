// The MM2 checkpoint decoder against bytes laid out by hand from Checkpoint.java's schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CheckpointFormatError,
  checkpointsTopic,
  decodeCheckpoint,
  encodeCheckpoint,
} from '../../../src/kafka/checkpoints';

test('decodes key (group, topic, partition) and value (version, upstream, downstream, metadata)', () => {
  const key = Buffer.from([0, 2, 0x67, 0x31, /* "g1" */ 0, 3, 0x74, 0x6f, 0x70, /* "top" */ 0, 0, 0, 7]);
  const value = Buffer.from([
    0,
    0, // version 0
    0,
    0,
    0,
    0,
    0,
    0,
    0x01,
    0x2c, // upstream 300
    0,
    0,
    0,
    0,
    0,
    0,
    0x01,
    0x22, // downstream 290
    0,
    1,
    0x6d, // metadata "m"
  ]);
  assert.deepEqual(decodeCheckpoint(key, value), {
    group: 'g1',
    topic: 'top',
    partition: 7,
    upstreamOffset: 300,
    downstreamOffset: 290,
    metadata: 'm',
  });
  assert.equal(checkpointsTopic(), 'primary.checkpoints.internal');
});

test('round trip with UTF-8 names and large offsets', () => {
  const c = {
    group: 'grüppe-✓',
    topic: 'orders.v1',
    partition: 123,
    upstreamOffset: 2 ** 40 + 5,
    downstreamOffset: 2 ** 40,
    metadata: '',
  };
  const { key, value } = encodeCheckpoint(c);
  assert.deepEqual(decodeCheckpoint(key, value), c);
});

test('unknown versions and truncated records are refused with a named error', () => {
  const { key, value } = encodeCheckpoint({
    group: 'g',
    topic: 't',
    partition: 0,
    upstreamOffset: 1,
    downstreamOffset: 1,
    metadata: '',
  });
  const v1 = Buffer.from(value);
  v1.writeInt16BE(1, 0);
  assert.throws(() => decodeCheckpoint(key, v1), /version 1 is not supported/);
  assert.throws(() => decodeCheckpoint(key.subarray(0, 5), value), CheckpointFormatError);
});
