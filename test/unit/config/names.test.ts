// The name rules every layer shares (src/config/names.ts) and the one reading of KDR_REPLICATION_FACTOR.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isInternalTopic, sameHost, selects, wholeName } from '../../../src/config';
import { replicationFactorOf } from '../../../activities/deps';

describe('name rules', () => {
  test('a DNS name is the same host whatever its case and with or without the root dot', () => {
    assert.ok(sameHost('Secondary.KDR.test.', 'secondary.kdr.test'));
    assert.ok(!sameHost('secondary.kdr.test', 'primary.kdr.test'));
    assert.ok(!sameHost(null, 'primary.kdr.test'), 'no answer is never the target');
  });

  test('a selection pattern matches whole names only, in every place that selects', () => {
    assert.ok(wholeName('orders|payments').test('payments'));
    assert.ok(!wholeName('orders').test('orders-dlq'));
    assert.ok(!wholeName('orders|payments').test('xpayments'), 'the alternation is anchored as a whole');
    assert.ok(selects({ pattern: 'team-a\\..*' }, 'team-a.billing'));
    assert.ok(!selects({ pattern: 'billing' }, 'billing-v2'));
    assert.ok(selects(['billing'], 'billing'));
  });

  test("internal topics are Kafka's and kafka-dr's double-underscore topics", () => {
    assert.ok(isInternalTopic('__consumer_offsets'));
    assert.ok(isInternalTopic('__kdr_positions'));
    assert.ok(!isInternalTopic('orders'));
  });

  test('KDR_REPLICATION_FACTOR: unset means the cluster default; a bad value names the variable and the fix', () => {
    assert.equal(replicationFactorOf({}), undefined);
    assert.equal(replicationFactorOf({ KDR_REPLICATION_FACTOR: '3' }), 3);
    assert.throws(
      () => replicationFactorOf({ KDR_REPLICATION_FACTOR: 'three' }),
      /KDR_REPLICATION_FACTOR must be an integer from 1 to 32.*got "three".*unset it/,
    );
    assert.throws(() => replicationFactorOf({ KDR_REPLICATION_FACTOR: '0' }), { name: 'KafkaConfigError' });
  });
});
