// A pair's autoFailover policy: off by default, what an operator writes, and refusals naming the field and the fix.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PairConfigSchema, describeAutoFailover, validate, type PairConfigInput } from '../../../src/config';

function pair(autoFailover?: unknown, extra: Record<string, unknown> = {}): PairConfigInput {
  return {
    name: 'orders-dr',
    primary: { provider: 'kafka', bootstrapServers: ['10.0.0.1:9092'], endpointHost: 'primary.example.com' },
    secondary: { provider: 'kafka', bootstrapServers: ['10.1.0.1:9092'], endpointHost: 'secondary.example.com' },
    replication: {
      provider: 'kafka-connect',
      topics: ['orders'],
      canaryTopic: 'kdr-canary',
      connectUrl: 'http://c:8083',
    },
    dns: { provider: 'alidns', domain: 'example.com', rr: 'kafka', ttl: 60, resolvers: ['223.5.5.5'] },
    ...(autoFailover === undefined ? {} : { autoFailover }),
    ...extra,
  } as PairConfigInput;
}

function problems(value: unknown): string[] {
  const result = validate(PairConfigSchema, value);
  assert.equal(result.ok, false, 'expected the pair to be refused');
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('pair autoFailover policy', () => {
  test('omitted, it is off and every failover waits for a person', () => {
    const r = validate(PairConfigSchema, pair());
    assert.ok(r.ok);
    assert.equal(r.value.autoFailover.enabled, false);
    assert.match(describeAutoFailover(r.value.autoFailover), /^off/);
  });

  test('enabled with durations, a bound and probes; quorum defaults to every enabled probe', () => {
    const r = validate(
      PairConfigSchema,
      pair({
        enabled: true,
        after: '20s',
        vetoWindow: '15s',
        maxAtRisk: { seconds: 30 },
        probes: { remote: { taskQueue: 'kdr-b' } },
      }),
    );
    assert.ok(r.ok, r.ok ? '' : r.message);
    const a = r.value.autoFailover;
    assert.equal(a.after, 20_000);
    assert.equal(a.vetoWindow, 15_000);
    assert.equal(a.quorum, 2);
    assert.equal(
      describeAutoFailover(a),
      'on: after 20s down (2 of kafka, remote (kdr-b)), veto window 15s, at most 30 s at risk',
    );
  });

  test('enabled without maxAtRisk is refused: a person must state what may be lost', () => {
    const p = problems(pair({ enabled: true }));
    assert.ok(
      p.some((m) => m.startsWith('autoFailover.maxAtRisk') && /required/.test(m) && /seconds/.test(m)),
      p.join('\n'),
    );
  });

  test('an empty bound, a quorum above the probes, a Kafka probe turned off are refused by field', () => {
    const p = problems(pair({ enabled: true, maxAtRisk: {}, quorum: 3, probes: { kafka: false } }));
    const text = p.join('\n');
    assert.match(text, /autoFailover\.maxAtRisk.*"seconds", "records"/);
    assert.match(text, /autoFailover\.quorum: is 3 but only 1 probe/);
    assert.match(text, /autoFailover\.probes\.kafka: .*cannot be turned off/);
  });

  test('the cloud probe needs an ApsaraMQ primary; after must span 3 watch checks', () => {
    const p = problems(
      pair(
        { enabled: true, after: '10s', maxAtRisk: { records: 100 }, probes: { cloud: true } },
        { watch: { interval: '5s' } },
      ),
    );
    const text = p.join('\n');
    assert.match(text, /autoFailover\.probes\.cloud: only for an ApsaraMQ primary/);
    assert.match(text, /autoFailover\.after: must cover at least 3 watch checks .* 15000 ms/);
  });

  test('durations out of range name the field', () => {
    const p = problems(pair({ enabled: true, after: '1s', vetoWindow: 'soon', maxAtRisk: { seconds: 5 } }));
    const text = p.join('\n');
    assert.match(text, /autoFailover\.after: expected a duration/);
    assert.match(text, /autoFailover\.vetoWindow: expected a duration/);
  });
});
