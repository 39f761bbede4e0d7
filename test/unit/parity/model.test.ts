// The "equal enough" rules of the parity model, field by field: what a client following the CNAME to the secondary
// would be refused or lose, and what is fine.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  aclCovers,
  compareParity,
  normalizeAcl,
  refusedPrincipals,
  shellWord,
  summarizeGaps,
  userSecretVar,
  type AclEntry,
  type ParitySnapshot,
} from '../../../src/parity/model';

const acl = (over: Partial<AclEntry> = {}): AclEntry => ({
  resourceType: 'TOPIC',
  resourceName: 'orders',
  patternType: 'LITERAL',
  principal: 'User:app1',
  operation: 'READ',
  permission: 'ALLOW',
  host: '*',
  ...over,
});
const snap = (over: Partial<ParitySnapshot> = {}): ParitySnapshot => ({ users: [], acls: [], topics: {}, ...over });
const topic = (configs: Record<string, string> = {}, partitions = 3) => ({ orders: { partitions, configs } });

describe('parity model: users', () => {
  test('a primary user missing on the secondary is a gap whose change names the secret variable, never a password', () => {
    const gaps = compareParity(
      snap({
        users: [
          { name: 'app1', mechanism: 'SCRAM-SHA-512' },
          { name: 'app2', mechanism: 'SCRAM-SHA-512' },
        ],
      }),
      snap({
        users: [
          { name: 'app2', mechanism: 'scram-sha-512' },
          { name: 'extra', mechanism: 'SCRAM-SHA-256' },
        ],
      }),
    );
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0].kind, 'user');
    assert.equal(gaps[0].item, 'app1');
    assert.equal(gaps[0].secondary, 'missing');
    assert.deepEqual(gaps[0].change, {
      op: 'create-user',
      user: 'app1',
      mechanism: 'SCRAM-SHA-512',
      secretVar: 'KDR_SASL_PASSWORD_APP1',
    });
    assert.match(
      gaps[0].fix,
      /kafka-configs\.sh .*--entity-name app1 .*SCRAM-SHA-512=\[password=\$\{KDR_SASL_PASSWORD_APP1\}\]/,
    );
  });

  test('the same user with another mechanism only is a gap (its clients fail the SCRAM exchange)', () => {
    const gaps = compareParity(
      snap({ users: [{ name: 'app1', mechanism: 'SCRAM-SHA-512' }] }),
      snap({ users: [{ name: 'app1', mechanism: 'SCRAM-SHA-256' }] }),
    );
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0].secondary, 'SCRAM-SHA-256');
  });

  test('the secret variable of a user is an environment variable name', () => {
    assert.equal(userSecretVar('orders-app.v2'), 'KDR_SASL_PASSWORD_ORDERS_APP_V2');
  });

  test('an ApsaraMQ fix is the aliyun CreateSaslUser command', () => {
    const [g] = compareParity(snap({ users: [{ name: 'app1', mechanism: 'PLAIN' }] }), snap(), {
      target: { provider: 'alikafka', regionId: 'cn-hangzhou', instanceId: 'alikafka-2' },
    });
    assert.equal(
      g.fix.split('  ')[0],
      'aliyun alikafka CreateSaslUser --RegionId cn-hangzhou --InstanceId alikafka-2 --Username app1 --Type plain ' +
        '--Password "${KDR_SASL_PASSWORD_APP1}"',
    );
  });
});

describe('parity model: ACLs', () => {
  test('an identical ACL is parity; a missing one is a gap with the kafka-acls command', () => {
    assert.deepEqual(compareParity(snap({ acls: [acl()] }), snap({ acls: [acl()] })), []);
    const [g, ...rest] = compareParity(snap({ acls: [acl()] }), snap(), {
      target: { provider: 'kafka', bootstrap: '10.0.0.3:9093', commandConfig: 'admin.properties' },
    });
    assert.equal(rest.length, 0);
    assert.equal(g.kind, 'acl');
    assert.equal(g.item, 'User:app1 ALLOW READ TOPIC:orders from *');
    assert.equal(
      g.fix,
      'kafka-acls.sh --bootstrap-server 10.0.0.3:9093 --command-config admin.properties --add ' +
        "--allow-principal User:app1 --allow-host '*' --operation Read --topic orders --resource-pattern-type literal",
    );
    assert.deepEqual(g.change, { op: 'create-acl', acl: acl() });
  });

  test('a broader secondary ALLOW covers: wildcard resource, PREFIXED pattern, User:*, ALL, an implying operation', () => {
    const p = snap({ acls: [acl({ operation: 'DESCRIBE' })] });
    for (const wide of [
      acl({ resourceName: '*', operation: 'DESCRIBE' }),
      acl({ resourceName: 'ord', patternType: 'PREFIXED', operation: 'DESCRIBE' }),
      acl({ principal: 'User:*', operation: 'DESCRIBE' }),
      acl({ operation: 'ALL' }),
      acl({ operation: 'READ' }), // READ implies DESCRIBE in Kafka's authorizers
    ]) {
      assert.deepEqual(compareParity(p, snap({ acls: [wide] })), [], JSON.stringify(wide));
    }
  });

  test('a narrower or different secondary ACL does not cover', () => {
    const p = snap({ acls: [acl({ resourceName: 'ord', patternType: 'PREFIXED' })] });
    for (const narrow of [
      acl({ resourceName: 'orders' }), // LITERAL under the primary's PREFIXED
      acl({ resourceName: 'orders', patternType: 'PREFIXED' }), // longer prefix
      acl({ resourceName: 'ord', patternType: 'PREFIXED', host: '10.0.0.1' }),
      acl({ resourceName: 'ord', patternType: 'PREFIXED', operation: 'WRITE' }),
      acl({ resourceName: 'ord', patternType: 'PREFIXED', resourceType: 'GROUP' }),
      acl({ resourceName: 'ord', patternType: 'PREFIXED', permission: 'DENY' }),
    ]) {
      const missing = compareParity(p, snap({ acls: [narrow] })).filter((g) => g.secondary === 'missing');
      assert.equal(missing.length, 1, JSON.stringify(narrow));
    }
    assert.equal(aclCovers(acl({ operation: 'DESCRIBE' }), acl({ operation: 'READ' })), false);
  });

  test('a DENY only on the secondary that hits a primary ALLOW is a gap with a remove command and no change', () => {
    const deny = acl({ resourceName: '*', permission: 'DENY', principal: 'User:app1' });
    const gaps = compareParity(snap({ acls: [acl()] }), snap({ acls: [acl(), deny] }));
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0].secondary, 'present');
    assert.equal(gaps[0].change, undefined);
    assert.match(gaps[0].fix, /kafka-acls\.sh .*--remove --force --deny-principal User:app1/);
    // a DENY the primary has too is parity; a DENY for another principal hits nothing
    assert.deepEqual(compareParity(snap({ acls: [acl(), deny] }), snap({ acls: [acl(), deny] })), []);
    const other = acl({ resourceName: '*', permission: 'DENY', principal: 'User:other' });
    assert.deepEqual(compareParity(snap({ acls: [acl()] }), snap({ acls: [acl(), other] })), []);
  });

  test('a primary DENY missing on the secondary is a gap (the secondary would let in what the primary refuses)', () => {
    const deny = acl({ permission: 'DENY', operation: 'WRITE' });
    const gaps = compareParity(snap({ acls: [deny] }), snap());
    assert.equal(gaps.length, 1);
    assert.match(gaps[0].why, /lets User:app1 do what the primary refuses/);
  });

  test("ApsaraMQ's spelling is normalised to Kafka's, and the alikafka fix spells it back", () => {
    const ali = {
      resourceType: 'Topic',
      resourceName: 'orders',
      patternType: 'LITERAL',
      principal: 'app1',
      operation: 'IdempotentWrite',
      permission: 'ALLOW',
      host: '*',
    };
    assert.deepEqual(normalizeAcl(ali), acl({ operation: 'IDEMPOTENT_WRITE' }));
    assert.deepEqual(
      compareParity(snap({ acls: [ali] }), snap({ acls: [acl({ operation: 'IDEMPOTENT_WRITE' })] })),
      [],
    );
    const [g] = compareParity(snap({ acls: [ali] }), snap(), {
      target: { provider: 'alikafka', regionId: 'cn-hangzhou', instanceId: 'i-2' },
    });
    assert.equal(
      g.fix,
      'aliyun alikafka CreateAcl --RegionId cn-hangzhou --InstanceId i-2 --Username app1 --AclResourceType Topic ' +
        '--AclResourceName orders --AclResourcePatternType LITERAL --AclOperationType IdempotentWrite',
    );
  });
});

describe('parity model: topic settings', () => {
  const one = (p: Record<string, string>, s: Record<string, string>) =>
    compareParity(snap({ topics: topic(p) }), snap({ topics: topic(s) }));

  test('retention: longer or infinite on the secondary is fine, shorter is not; -1 is infinite', () => {
    assert.deepEqual(one({ 'retention.ms': '86400000' }, { 'retention.ms': '604800000' }), []);
    assert.deepEqual(one({ 'retention.ms': '86400000' }, { 'retention.ms': '-1' }), []);
    assert.deepEqual(one({ 'retention.bytes': '1000' }, { 'retention.bytes': '-1' }), []);
    const [g] = one({ 'retention.ms': '-1' }, { 'retention.ms': '604800000' });
    assert.equal(g.item, 'orders/retention.ms');
    assert.deepEqual(g.change, { op: 'set-topic-config', topic: 'orders', name: 'retention.ms', value: '-1' });
    assert.match(g.fix, /--entity-type topics --entity-name orders --add-config retention\.ms=-1$/);
    assert.equal(one({ 'retention.bytes': '2000' }, { 'retention.bytes': '1000' }).length, 1);
  });

  test('max.message.bytes: bigger on the secondary is fine, smaller is a gap', () => {
    assert.deepEqual(one({ 'max.message.bytes': '1048588' }, { 'max.message.bytes': '10485760' }), []);
    assert.equal(one({ 'max.message.bytes': '10485760' }, { 'max.message.bytes': '1048588' }).length, 1);
  });

  test('cleanup.policy must match as a set', () => {
    assert.deepEqual(one({ 'cleanup.policy': 'compact,delete' }, { 'cleanup.policy': 'delete, compact' }), []);
    assert.equal(one({ 'cleanup.policy': 'compact' }, { 'cleanup.policy': 'delete' }).length, 1);
    assert.equal(one({ 'cleanup.policy': 'delete' }, { 'cleanup.policy': 'compact,delete' }).length, 1);
  });

  test('min.insync.replicas must match, higher and lower alike', () => {
    assert.deepEqual(one({ 'min.insync.replicas': '2' }, { 'min.insync.replicas': '2' }), []);
    assert.equal(one({ 'min.insync.replicas': '2' }, { 'min.insync.replicas': '3' }).length, 1);
    assert.equal(one({ 'min.insync.replicas': '2' }, { 'min.insync.replicas': '1' }).length, 1);
  });

  test("compression.type must match unless the secondary keeps the producer's", () => {
    assert.deepEqual(one({ 'compression.type': 'lz4' }, { 'compression.type': 'producer' }), []);
    assert.equal(one({ 'compression.type': 'producer' }, { 'compression.type': 'zstd' }).length, 1);
  });

  test('a setting either side does not report is not compared', () => {
    assert.deepEqual(one({ 'retention.ms': '86400000' }, {}), []);
    assert.deepEqual(one({}, { 'min.insync.replicas': '3' }), []);
  });

  test('partitions: fewer is a gap with add-partitions, more is a gap without an automatic change', () => {
    const fewer = compareParity(snap({ topics: topic({}, 6) }), snap({ topics: topic({}, 3) }));
    assert.equal(fewer.length, 1);
    assert.deepEqual(fewer[0].change, { op: 'add-partitions', topic: 'orders', count: 6 });
    assert.match(fewer[0].fix, /kafka-topics\.sh .*--alter --topic orders --partitions 6/);
    const more = compareParity(snap({ topics: topic({}, 3) }), snap({ topics: topic({}, 6) }));
    assert.equal(more.length, 1);
    assert.equal(more[0].change, undefined);
    assert.match(more[0].why, /per-key order/);
  });

  test('a topic missing on the secondary is a create-topic gap; opts.topics limits the comparison', () => {
    const p = snap({
      topics: { a: { partitions: 2, configs: { 'retention.ms': '1' } }, b: { partitions: 1, configs: {} } },
    });
    const gaps = compareParity(p, snap());
    assert.deepEqual(
      gaps.map((g) => g.item),
      ['a', 'b'],
    );
    assert.deepEqual(gaps[0].change, {
      op: 'create-topic',
      topic: 'a',
      partitions: 2,
      configs: { 'retention.ms': '1' },
    });
    assert.deepEqual(
      compareParity(p, snap(), { topics: ['b'] }).map((g) => g.item),
      ['b'],
    );
    assert.deepEqual(compareParity(p, snap(), { topics: ['not-on-primary'] }), []);
  });
});

describe('parity model: instance, summaries, quoting', () => {
  test('a smaller instance message size and a different ACL switch are gaps', () => {
    const gaps = compareParity(
      snap({ instance: { maxMessageBytes: 10485760, aclEnabled: true } }),
      snap({ instance: { maxMessageBytes: 1048576, aclEnabled: false } }),
      { target: { provider: 'alikafka', regionId: 'r', instanceId: 'i-2' } },
    );
    assert.deepEqual(
      gaps.map((g) => g.item),
      ['maxMessageBytes', 'aclEnabled'],
    );
    assert.ok(gaps.every((g) => g.change === undefined));
    assert.deepEqual(
      compareParity(snap({ instance: { maxMessageBytes: 1 } }), snap({ instance: { maxMessageBytes: 2 } })),
      [],
    );
  });

  test('the summary counts each kind and the refused principals name the applications', () => {
    const gaps = compareParity(
      snap({ users: [{ name: 'a', mechanism: 'SCRAM-SHA-512' }], acls: [acl(), acl({ principal: 'User:b' })] }),
      snap(),
    );
    assert.equal(summarizeGaps(gaps), '1 user, 2 ACLs differ on the secondary');
    assert.deepEqual(refusedPrincipals(gaps), ['User:a', 'User:app1', 'User:b']);
    assert.equal(summarizeGaps([]), 'in parity');
  });

  test('names from a cluster are single-quoted in the fix commands', () => {
    assert.equal(shellWord("it's; rm -rf /"), `'it'\\''s; rm -rf /'`);
    const [g] = compareParity(snap({ topics: { 'a b$(x)': { partitions: 1, configs: {} } } }), snap());
    assert.match(g.fix, /--topic 'a b\$\(x\)'/);
  });
});
