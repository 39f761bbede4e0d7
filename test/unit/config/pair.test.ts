// DR pair config, workflow inputs and signal payloads: what operators write, and the errors they get back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApprovePayloadSchema,
  FailoverInputSchema,
  PairConfigSchema,
  ResolvePayloadSchema,
  SetupInputSchema,
  customDomain,
  parseDuration,
  selects,
  validate,
  type PairConfigInput,
} from '../../../src/config';

function kafkaPair(): PairConfigInput {
  return {
    name: 'orders-dr',
    primary: {
      provider: 'kafka',
      bootstrapServers: ['10.0.0.1:9092', 'broker-2.example.com:9092'],
      endpointHost: 'primary.example.com',
    },
    secondary: { provider: 'kafka', bootstrapServers: ['10.1.0.1:9092'], endpointHost: 'secondary.example.com' },
    replication: {
      provider: 'kafka-connect',
      topics: ['orders'],
      canaryTopic: 'kdr-canary',
      connectUrl: 'http://connect:8083',
    },
    dns: {
      provider: 'alidns',
      domain: 'example.com',
      rr: 'kafka',
      ttl: 60,
      resolvers: ['223.5.5.5', '127.0.0.1:5353'],
    },
  };
}

function apsaraPair(): PairConfigInput {
  return {
    ...kafkaPair(),
    primary: {
      provider: 'apsaramq',
      region: 'cn-hangzhou',
      instanceId: 'alikafka_pre-cn-aaa',
      bootstrapServers: ['a:9092'],
      endpointHost: 'a.example.com',
    },
    secondary: {
      provider: 'apsaramq',
      region: 'cn-shanghai',
      instanceId: 'alikafka_pre-cn-bbb',
      bootstrapServers: ['b:9092'],
      endpointHost: 'b.example.com',
    },
    replication: { provider: 'eventbridge', topics: { pattern: 'orders\\..*' }, canaryTopic: 'kdr-canary' },
  };
}

/** A mutable copy to break on purpose. */
function draft(pair: PairConfigInput) {
  return JSON.parse(JSON.stringify(pair));
}

function problems(schema: Parameters<typeof validate>[0], value: unknown): string[] {
  const result = validate(schema, value);
  assert.equal(result.ok, false, 'expected the value to be refused');
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('pair config', () => {
  test('a valid pair parses with defaults filled in', () => {
    const result = validate(PairConfigSchema, kafkaPair());
    assert.ok(result.ok);
    assert.deepEqual(result.value.replication.thresholds, {
      maxLagRecords: 1000,
      maxLatencyMs: 30000,
      canaryTimeoutMs: 120000,
      canaryRecords: 10,
      connectorReadyTimeoutMs: 600000,
    });
    assert.deepEqual(result.value.groups, { pattern: '.*' });
    assert.equal(customDomain(result.value), 'kafka.example.com');
    assert.ok(validate(PairConfigSchema, apsaraPair()).ok);
  });

  test('one message names every wrong field with what is expected and what was given', () => {
    const pair = draft(kafkaPair());
    pair.dns.ttl = 'sixty';
    pair.primary.bootstrapServers = ['10.0.0.1'];
    pair.replication.topics = 'orders';
    pair.groups = { pattern: '(' };
    delete pair.secondary.endpointHost;
    const result = validate(SetupInputSchema, { config: pair });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.message.split('\n')[0], 'invalid input (5 problems):');
    assert.deepEqual(result.issues.map((i) => `${i.path}: ${i.message}`).sort(), [
      'config.dns.ttl: expected an integer between 1 and 86400, got "sixty"',
      'config.groups.pattern: expected a valid regular expression, got "("',
      'config.primary.bootstrapServers[0]: expected host:port, e.g. 127.0.0.1:9092, got "10.0.0.1"',
      'config.replication.topics: expected a list of topic names or { "pattern": "<regular expression>" }, got "orders"',
      'config.secondary.endpointHost: missing: expected the host name the CNAME should point at for this side, e.g. kafka.example.com',
    ]);
  });

  test('step deadlines: durations per known step; an unknown step or a too short deadline is named with the fix', () => {
    const ok = validate(PairConfigSchema, {
      ...kafkaPair(),
      deadlines: { 'reset-offsets': '2h', 'switch-cname': '5m' },
    });
    assert.ok(ok.ok);
    assert.deepEqual(ok.value.deadlines, { 'reset-offsets': 7_200_000, 'switch-cname': 300_000 });
    assert.deepEqual(
      validate(PairConfigSchema, kafkaPair()).ok &&
        (validate(PairConfigSchema, kafkaPair()) as { value: { deadlines: object } }).value.deadlines,
      {},
    );
    const found = problems(PairConfigSchema, { ...kafkaPair(), deadlines: { 'reset-ofsets': '2h', plan: '10s' } });
    assert.ok(
      found.some((p) =>
        /^deadlines\.reset-ofsets: no step is named "reset-ofsets"; steps with deadlines: .*reset-offsets/.test(p),
      ),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /^deadlines\.plan: expected a duration .*at least 60000ms/.test(p)),
      found.join('\n'),
    );
  });

  test('inline secrets are refused without echoing them, pointing at passwordEnv', () => {
    const pair = draft(kafkaPair());
    pair.primary.security = {
      protocol: 'SASL_SSL',
      mechanism: 'PLAIN',
      usernameEnv: 'KDR_USER',
      password: 's3cr3t-value',
      passwordEnv: 'p@ss w0rd',
    };
    const result = validate(PairConfigSchema, pair);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.doesNotMatch(result.message, /s3cr3t-value|p@ss w0rd/);
    assert.match(
      result.message,
      /primary\.security\.password: inline credentials are not accepted: .* give its NAME in passwordEnv/,
    );
    assert.match(result.message, /primary\.security\.passwordEnv: expected the NAME of an environment variable/);
  });

  test('cross-field rules: apsaramq needs instanceId and region in different regions; eventbridge needs apsaramq', () => {
    const same = draft(apsaraPair());
    same.secondary.region = 'cn-hangzhou';
    delete same.primary.instanceId;
    assert.deepEqual(problems(PairConfigSchema, same), [
      'primary.instanceId: required for provider "apsaramq": the ApsaraMQ for Kafka instance id',
      'secondary.region: must differ from primary.region ("cn-hangzhou"): single-zone DR needs the secondary in another region',
    ]);
    const mixed = draft(kafkaPair());
    mixed.replication = { provider: 'eventbridge', topics: ['orders'], canaryTopic: 'c' };
    assert.deepEqual(problems(PairConfigSchema, mixed), [
      'primary.provider: replication "eventbridge" needs "apsaramq" on both sides; use replication.provider "kafka-connect" for self-managed Kafka',
      'secondary.provider: replication "eventbridge" needs "apsaramq" on both sides; use replication.provider "kafka-connect" for self-managed Kafka',
    ]);
    const noUrl = draft(kafkaPair());
    delete noUrl.replication.connectUrl;
    assert.match(
      problems(PairConfigSchema, noUrl)[0],
      /^replication\.connectUrl: required for replication\.provider "kafka-connect"/,
    );
    const sasl = draft(kafkaPair());
    sasl.secondary.security = { protocol: 'SASL_PLAINTEXT' };
    assert.deepEqual(
      problems(PairConfigSchema, sasl).map((p) => p.split(':')[0]),
      ['secondary.security.mechanism', 'secondary.security.usernameEnv', 'secondary.security.passwordEnv'],
    );
    const caOnPlaintext = draft(kafkaPair());
    caOnPlaintext.primary.security = {
      protocol: 'SASL_PLAINTEXT',
      mechanism: 'PLAIN',
      usernameEnv: 'KDR_SECRET_U',
      passwordEnv: 'KDR_SECRET_P',
      caFile: '/etc/ca.pem',
    };
    assert.deepEqual(problems(PairConfigSchema, caOnPlaintext), [
      'primary.security.caFile: only used with SSL or SASL_SSL (protocol is SASL_PLAINTEXT): remove it or change protocol',
    ]);
  });

  test('selections: lists match names, patterns match whole names', () => {
    assert.equal(selects(['a', 'b'], 'b'), true);
    assert.equal(selects({ pattern: 'orders\\..*' }, 'orders.eu'), true);
    assert.equal(selects({ pattern: 'orders' }, 'orders-old'), false);
  });
});

describe('workflow inputs', () => {
  test('setup: exactly one of pair and config', () => {
    assert.ok(validate(SetupInputSchema, { pair: 'local-kafka' }).ok);
    assert.deepEqual(problems(SetupInputSchema, {}), [
      'pair: missing: give "pair" (the name of a pair in the worker\'s pairs file) or "config" (a whole pair config)',
    ]);
    assert.deepEqual(problems(SetupInputSchema, { pair: 'local-kafka', config: kafkaPair() }), [
      'config: give either "pair" or "config", not both',
    ]);
  });

  test('failover: defaults, durations, and an allow-list that cannot satisfy the policy', () => {
    const result = validate(FailoverInputSchema, { pair: 'local-kafka', requestedBy: 'alice' });
    assert.ok(result.ok);
    assert.deepEqual(result.value.approval, {}, "the input asks for nothing: the pair's own policy applies");
    assert.equal(result.value.dryRun, false);
    assert.equal(result.value.drain, 'auto');
    const custom = validate(FailoverInputSchema, {
      pair: 'p',
      requestedBy: 'alice',
      approval: { timeout: '90 minutes' },
      translation: { operatorTimestamp: '2026-01-31T12:00:00Z', marginMs: 5000 },
    });
    assert.ok(custom.ok);
    assert.equal(custom.value.approval.timeout, 5_400_000);
    assert.equal(custom.value.translation.operatorTimestamp, Date.parse('2026-01-31T12:00:00Z'));
    assert.deepEqual(
      problems(FailoverInputSchema, {
        pair: 'p',
        requestedBy: 'alice',
        approval: { required: 2, allowList: ['alice', 'bob'] },
      }),
      [
        'approval.allowList: names 1 possible approver(s) but 2 approval(s) are required (the requester may not approve their own failover)',
      ],
    );
    assert.deepEqual(
      problems(FailoverInputSchema, { pair: 'p', approval: { timeout: 'soon' }, dryRun: 'yes' }).sort(),
      [
        'approval.timeout: expected a duration such as "30s", "5m", "1h" or a number of milliseconds (at least 1000ms, at most 604800000ms), got "soon"',
        'dryRun: expected true or false, got "yes"',
        'requestedBy: missing: expected the operator requesting the failover',
      ],
    );
  });

  test('signal payloads', () => {
    assert.ok(validate(ResolvePayloadSchema, { action: 'skip', by: 'bob', note: 'done by hand' }).ok);
    assert.deepEqual(problems(ResolvePayloadSchema, { action: 'ignore', by: '' }), [
      'action: expected one of "retry", "skip", "abort", got "ignore"',
      'by: expected the name of the operator, got ""',
    ]);
    assert.deepEqual(problems(ApprovePayloadSchema, { by: 'bob' }), [
      'planId: missing: expected the planId shown by query "plan" (letters, digits and "-")',
    ]);
  });

  test('durations', () => {
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1.5 seconds'), 1_500);
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration('1 fortnight'), undefined);
    assert.equal(parseDuration(-1), undefined);
  });
});
