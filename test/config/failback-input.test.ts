// drFailback's input and the reversed pair: defaults, and errors naming the field and the fix.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FailbackInputSchema, PairConfigSchema, failbackWorkflowId, validate } from '../../src/config';
import { producerToTarget } from '../../src/connectors/reverse-mirror';
import { replicationSpec } from '../../activities/replication';
import { reversedPair } from '../../workflows/reverse-pair';

describe('drFailback input', () => {
  test('defaults: every stage, the .kdr-unreplicated suffix', () => {
    const r = validate(FailbackInputSchema, { pair: 'orders-dr', requestedBy: 'alice' });
    assert.ok(r.ok);
    assert.equal(r.value.stages, undefined);
    assert.equal(r.value.exportSuffix, '.kdr-unreplicated');
    assert.equal(failbackWorkflowId('orders-dr'), 'dr-failback-orders-dr');
  });

  test('switch-back is refused as not built, an unknown stage and a bad suffix name their field', () => {
    const r = validate(FailbackInputSchema, { pair: 'orders-dr', requestedBy: 'alice', stages: ['assess', 'switch-back', 'rewind'], exportSuffix: 'x' });
    assert.ok(!r.ok);
    assert.match(r.message, /stages\[1\].*switch-back is not built yet/);
    assert.match(r.message, /stages\[2\].*expected one of "assess", "export", "re-protect", got "rewind"/);
    assert.match(r.message, /exportSuffix.*suffix starting with/);
  });

  test('requestedBy is required (no self-approval without a requester)', () => {
    const r = validate(FailbackInputSchema, { pair: 'orders-dr' });
    assert.ok(!r.ok);
    assert.match(r.message, /requestedBy/);
  });
});

describe('reverse replication', () => {
  const pair = PairConfigSchema.parse({
    name: 'orders-dr',
    primary: { provider: 'kafka', bootstrapServers: ['10.0.0.1:9092'], endpointHost: 'primary.example.com',
      security: { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', usernameEnv: 'ORDERS_SASL_USER', passwordEnv: 'ORDERS_SASL_PASSWORD' } },
    secondary: { provider: 'kafka', bootstrapServers: ['10.1.0.1:9092'], endpointHost: 'secondary.example.com' },
    replication: { provider: 'kafka-connect', topics: ['orders'], canaryTopic: 'kdr-canary', connectUrl: 'http://connect:8083' },
    dns: { provider: 'alidns', domain: 'example.com', rr: 'kafka', ttl: 60, resolvers: ['223.5.5.5'] },
  });

  test('the sides swap under a name no pairs file can hold', () => {
    const r = reversedPair(pair);
    assert.equal(r.name, 'orders-dr_reverse');
    assert.deepEqual(r.primary, pair.secondary);
    assert.deepEqual(r.secondary, pair.primary);
  });

  test('the connectors\' producer writes to the old primary, its secret by variable name only', () => {
    const extra = producerToTarget(replicationSpec(reversedPair(pair), ['orders'], {}));
    assert.equal(extra['producer.override.bootstrap.servers'], '10.0.0.1:9092');
    assert.equal(extra['producer.override.security.protocol'], 'SASL_SSL');
    assert.match(extra['producer.override.sasl.jaas.config'], /password="\$\{env:ORDERS_SASL_PASSWORD\}"/);
  });
});
