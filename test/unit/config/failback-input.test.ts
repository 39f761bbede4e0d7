// drFailback's input and the reversed pair: defaults, and errors naming the field and the fix.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_FAILBACK_STAGES,
  FailbackInputSchema,
  FailoverInputSchema,
  PairConfigSchema,
  validate,
} from '../../../src/config';
import { failbackWorkflowId, switchBackWorkflowId } from '../../../workflows/contract';
import { producerToTarget } from '../../../src/connectors/reverse-mirror';
import { replicationSpec } from '../../../activities/replication';
import { reversedPair } from '../../../src/config/reverse-pair';
import { whereIs, type RunSummary } from '../../../app/cli/pairs';
import type { PairStateRecord } from '../../../workflows/pair-state';

describe('drFailback input', () => {
  test('defaults: every stage, the .kdr-unreplicated suffix', () => {
    const r = validate(FailbackInputSchema, { pair: 'orders-dr', requestedBy: 'alice' });
    assert.ok(r.ok);
    assert.equal(r.value.stages, undefined);
    assert.equal(r.value.exportSuffix, '.kdr-unreplicated');
    assert.equal(failbackWorkflowId('orders-dr'), 'dr-failback-orders-dr');
  });

  test('an unknown stage and a bad suffix name their field; switch-back is a stage, its switchover options checked', () => {
    const r = validate(FailbackInputSchema, {
      pair: 'orders-dr',
      requestedBy: 'alice',
      stages: ['assess', 'switch-back', 'rewind'],
      exportSuffix: 'x',
    });
    assert.ok(!r.ok);
    assert.doesNotMatch(r.message, /stages\[1\]/);
    assert.match(
      r.message,
      /stages\[2\].*expected one of "assess", "export", "re-protect", "switch-back", got "rewind"/,
    );
    assert.match(r.message, /exportSuffix.*suffix starting with/);
    const ok = validate(FailbackInputSchema, {
      pair: 'orders-dr',
      requestedBy: 'alice',
      stages: ['switch-back'],
      switchover: { quietWindow: '4s', guard: 0 },
    });
    assert.ok(ok.ok);
    assert.equal(ok.value.switchover?.quietWindow, 4000);
    assert.equal(
      switchBackWorkflowId('orders-dr'),
      'dr-failover-orders-dr',
      "the switch-back is the pair's failover: kdr approve <pair> finds it",
    );
    assert.deepEqual(DEFAULT_FAILBACK_STAGES, ['assess', 'export', 're-protect'], 'switch-back only when asked for');
  });

  test('drFailover takes reverse (switch back), default false', () => {
    const r = validate(FailoverInputSchema, { pair: 'orders-dr', requestedBy: 'alice', reverse: true });
    assert.ok(r.ok);
    assert.equal(r.value.reverse, true);
    const d = validate(FailoverInputSchema, { pair: 'orders-dr', requestedBy: 'alice' });
    assert.ok(d.ok);
    assert.equal(d.value.reverse, false);
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
    primary: {
      provider: 'kafka',
      bootstrapServers: ['10.0.0.1:9092'],
      endpointHost: 'primary.example.com',
      security: {
        protocol: 'SASL_SSL',
        mechanism: 'SCRAM-SHA-512',
        usernameEnv: 'ORDERS_SASL_USER',
        passwordEnv: 'ORDERS_SASL_PASSWORD',
      },
    },
    secondary: { provider: 'kafka', bootstrapServers: ['10.1.0.1:9092'], endpointHost: 'secondary.example.com' },
    replication: {
      provider: 'kafka-connect',
      topics: ['orders'],
      canaryTopic: 'kdr-canary',
      connectUrl: 'http://connect:8083',
    },
    dns: { provider: 'alidns', domain: 'example.com', rr: 'kafka', ttl: 60, resolvers: ['223.5.5.5'] },
  });

  test('the sides swap under a name no pairs file can hold', () => {
    const r = reversedPair(pair);
    assert.equal(r.name, 'orders-dr_reverse');
    assert.deepEqual(r.primary, pair.secondary);
    assert.deepEqual(r.secondary, pair.primary);
  });

  test("the connectors' producer writes to the old primary, its secret by variable name only", () => {
    const extra = producerToTarget(replicationSpec(reversedPair(pair), ['orders'], {}));
    assert.equal(extra['producer.override.bootstrap.servers'], '10.0.0.1:9092');
    assert.equal(extra['producer.override.security.protocol'], 'SASL_SSL');
    assert.match(extra['producer.override.sasl.jaas.config'], /password="\$\{env:ORDERS_SASL_PASSWORD\}"/);
  });
});

describe('where a pair is (kdr pairs)', () => {
  const run = (workflowId: string, status: string, startTime: string, extra: Partial<RunSummary> = {}): RunSummary => ({
    workflowId,
    runId: 'r',
    type: 't',
    status,
    startTime,
    ...extra,
  });
  const record = (
    stage: PairStateRecord['stage'],
    active: PairStateRecord['active'],
    replication: PairStateRecord['replication'],
  ): PairStateRecord => ({ stage, active, replication, at: '2026-01-02T03:04:05.000Z', by: 'dr-failback-p' });

  test("setup, then a forward failover, then the failback's own record; a switch-back's drFailover is the failback's child", () => {
    assert.equal(whereIs(undefined, undefined, undefined).stage, 'not set up');
    const setup = run('dr-setup-p', 'COMPLETED', '2026-01-01T00:00:00Z');
    assert.deepEqual(whereIs(setup, undefined, undefined), {
      stage: 'protected',
      active: 'primary',
      replication: 'forward',
      from: 'dr-setup-p',
    });
    const failover = run('dr-failover-p', 'COMPLETED', '2026-01-01T01:00:00Z');
    assert.equal(whereIs(setup, failover, undefined).stage, 'failed-over');
    const reprotected = run('dr-failback-p', 'COMPLETED', '2026-01-01T02:00:00Z', {
      pairState: record('re-protected', 'secondary', 'reverse'),
    });
    assert.equal(whereIs(setup, failover, reprotected).stage, 're-protected');
    // The switch-back's drFailover started after the failback, as its child: the failback's record still speaks.
    const child = run('dr-failover-p', 'COMPLETED', '2026-01-01T03:00:01Z', { parent: 'dr-failback-p' });
    const back = run('dr-failback-p', 'COMPLETED', '2026-01-01T03:00:00Z', {
      pairState: record('protected', 'primary', 'forward'),
    });
    assert.deepEqual(whereIs(setup, child, back), {
      stage: 'protected',
      active: 'primary',
      replication: 'forward',
      from: 'dr-failback-p at 2026-01-02 03:04',
    });
    // A later forward failover wins over the failback's record.
    assert.equal(whereIs(setup, run('dr-failover-p', 'COMPLETED', '2026-01-05T00:00:00Z'), back).stage, 'failed-over');
  });
});
