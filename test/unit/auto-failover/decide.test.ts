// The automatic failover decision, row by row as docs/operator-guide.md lists it, and over time (the down clock,
// a flap inside `after`), with the at-risk estimate it is bounded by.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoFailoverSchema } from '../../../src/config';
import {
  decide,
  describeDecision,
  primaryAnswers,
  type DecisionInput,
  type DecisionStep,
  type ProbeReading,
  type ProbeVerdict,
} from '../../../src/auto-failover/decide';
import { estimateAtRisk } from '../../../src/auto-failover/at-risk';

const T0 = Date.UTC(2026, 11, 7, 3, 0, 0);
const S = 1_000;
const policy = AutoFailoverSchema.parse({
  enabled: true,
  after: '20s',
  vetoWindow: '15s',
  maxAtRisk: { seconds: 30, records: 500 },
  probes: { cloud: true },
});
const withinBound = { records: 10, seconds: 5, basis: 'test' };

function reading(verdict: ProbeVerdict, probe: ProbeReading['probe'] = 'kafka', at = T0): ProbeReading {
  return { probe, verdict, at, ...(verdict === 'up' ? {} : { error: `${probe}: ${verdict}` }) };
}

function step(over: Partial<DecisionInput> & { readings: ProbeReading[] }): DecisionStep {
  return decide({
    policy,
    now: T0,
    clock: undefined,
    situation: 'protected',
    secondary: { healthy: true },
    atRisk: withinBound,
    ...over,
  });
}

/** Feeds one check every 5 s; returns every decision. */
function over(checks: ProbeVerdict[][], extra: Partial<DecisionInput> = {}): DecisionStep[] {
  const out: DecisionStep[] = [];
  let clock: DecisionStep['clock'];
  checks.forEach(([kafka, cloud], i) => {
    const now = T0 + i * 5 * S;
    const s = step({ ...extra, now, clock, readings: [reading(kafka, 'kafka', now), reading(cloud, 'cloud', now)] });
    clock = s.clock;
    out.push(s);
  });
  return out;
}

describe('automatic failover decision table', () => {
  test('row 1: policy off → never (disabled), whatever the probes say', () => {
    const s = decide({ ...baseInput(), policy: AutoFailoverSchema.parse({}), readings: [reading('down')] });
    assert.deepEqual(s.decision, {
      kind: 'never',
      reason: 'disabled',
      detail: 'autoFailover is not enabled in the pairs file',
    });
    assert.equal(s.clock, undefined);
  });

  for (const situation of ['failing-over', 'failed-over', 'failing-back'] as const) {
    test(`row 2: pair ${situation} → never (${situation}), even with every probe down`, () => {
      const s = step({ situation, readings: [reading('down'), reading('down', 'cloud')] });
      assert.equal(s.decision.kind, 'never');
      assert.equal(s.decision.kind === 'never' && s.decision.reason, situation);
      assert.equal(s.clock, undefined);
    });
  }

  test('row 3: one probe down while another reaches the primary → alert-partition naming both, clock stopped', () => {
    const s = step({
      readings: [reading('down'), reading('up', 'cloud')],
      clock: { since: T0 - 60 * S, evidence: [] },
    });
    assert.deepEqual(s.decision, { kind: 'alert-partition', seenFrom: ['kafka'], reachableFrom: ['cloud'] });
    assert.equal(s.clock, undefined);
    assert.match(describeDecision(s.decision), /^partition seen from kafka: cloud still reach/);
  });

  test('row 4: the primary answers → healthy; a running clock is reported as a flap and reset', () => {
    const plain = step({ readings: [reading('up'), reading('unknown', 'cloud')] });
    assert.deepEqual(plain.decision, { kind: 'healthy' });
    const flap = step({
      readings: [reading('up'), reading('up', 'cloud')],
      clock: { since: T0 - 10 * S, evidence: [] },
    });
    assert.deepEqual(flap.decision, { kind: 'healthy', flap: { downSince: T0 - 10 * S } });
    assert.equal(flap.clock, undefined);
  });

  test('row 5: no probe answers anything (cloud API silent, Kafka probe unknown) → suspect, clock not started', () => {
    const s = step({ readings: [reading('unknown'), reading('unknown', 'cloud')] });
    assert.equal(s.decision.kind, 'suspect');
    assert.equal(s.clock, undefined);
  });

  test('row 6: Kafka probe down but the cloud API does not answer (unknown, not down) → below quorum, no clock', () => {
    const s = step({ readings: [reading('down'), reading('unknown', 'cloud')] });
    assert.deepEqual(s.decision, {
      kind: 'suspect',
      since: null,
      remainingMs: null,
      down: ['kafka'],
      unknown: ['cloud'],
    });
    assert.equal(s.clock, undefined);
  });

  test('row 7: quorum down but the secondary is unhealthy → never (secondary-unhealthy); the clock keeps running', () => {
    const s = step({
      readings: [reading('down'), reading('down', 'cloud')],
      secondary: { healthy: false, why: 'connector FAILED' },
    });
    assert.deepEqual(s.decision, {
      kind: 'never',
      reason: 'secondary-unhealthy',
      detail: 'the secondary cannot take over: connector FAILED',
    });
    assert.equal(s.clock?.since, T0);
  });

  test('row 8: quorum down for less than `after` → suspect with the clock and the time left', () => {
    const s = step({
      now: T0 + 5 * S,
      clock: { since: T0, evidence: [] },
      readings: [reading('down'), reading('down', 'cloud')],
    });
    assert.deepEqual(s.decision, {
      kind: 'suspect',
      since: T0,
      remainingMs: 15 * S,
      down: ['kafka', 'cloud'],
      unknown: [],
    });
    assert.match(describeDecision(s.decision), /automatic failover in 15 s unless it answers again/);
  });

  test('row 9: quorum down for `after`, estimate above maxAtRisk → hold-for-human with the estimate', () => {
    const atRisk = { records: 501, seconds: 4, basis: 'lag 501 record(s) ...' };
    const s = step({
      now: T0 + 20 * S,
      clock: { since: T0, evidence: [] },
      atRisk,
      readings: [reading('down'), reading('down', 'cloud')],
    });
    assert.equal(s.decision.kind, 'hold-for-human');
    assert.equal(s.decision.kind === 'hold-for-human' && s.decision.why, '501 records at risk > maxAtRisk.records 500');
    assert.match(describeDecision(s.decision), /a person decides \(lag 501/);
  });

  test('row 9: an estimate nobody could measure never fits a bound → hold-for-human', () => {
    const s = step({
      now: T0 + 20 * S,
      clock: { since: T0, evidence: [] },
      atRisk: estimateAtRisk(undefined, T0),
      readings: [reading('down'), reading('down', 'cloud')],
    });
    assert.equal(
      s.decision.kind === 'hold-for-human' && s.decision.why,
      'records at risk unknown (maxAtRisk.records 500)',
    );
  });

  test('row 10: quorum down for `after`, estimate within bounds → down-confirmed with the evidence of the first check', () => {
    const first = [reading('down', 'kafka', T0), reading('down', 'cloud', T0)];
    const s = step({
      now: T0 + 20 * S,
      clock: { since: T0, evidence: first },
      readings: [reading('down'), reading('down', 'cloud')],
    });
    assert.equal(s.decision.kind, 'down-confirmed');
    if (s.decision.kind !== 'down-confirmed') return;
    assert.equal(s.decision.since, T0);
    assert.deepEqual(s.decision.evidence.slice(0, 2), first);
    assert.deepEqual(s.decision.atRisk, withinBound);
  });
});

describe('automatic failover decision over time', () => {
  test('down for 20 s without a break: suspect at 0, 5, 10, 15 s, down-confirmed at 20 s', () => {
    const kinds = over([
      ['down', 'down'],
      ['down', 'down'],
      ['down', 'down'],
      ['down', 'down'],
      ['down', 'down'],
    ]).map((s) => s.decision.kind);
    assert.deepEqual(kinds, ['suspect', 'suspect', 'suspect', 'suspect', 'down-confirmed']);
  });

  test('a flap inside `after` resets the clock: 15 s down, one answer, then 15 s down again is still suspect', () => {
    const steps = over([
      ['down', 'down'],
      ['down', 'down'],
      ['down', 'down'],
      ['down', 'down'],
      ['up', 'up'],
      ['down', 'down'],
      ['down', 'down'],
      ['down', 'down'],
      ['down', 'down'],
    ]);
    assert.deepEqual(
      steps.map((s) => s.decision.kind),
      ['suspect', 'suspect', 'suspect', 'suspect', 'healthy', 'suspect', 'suspect', 'suspect', 'suspect'],
    );
    assert.deepEqual(steps[4].decision, { kind: 'healthy', flap: { downSince: T0 } });
    assert.equal(steps[8].clock?.since, T0 + 25 * S);
  });

  test('the cloud API going silent mid-outage drops below quorum and restarts the clock', () => {
    const steps = over([
      ['down', 'down'],
      ['down', 'down'],
      ['down', 'unknown'],
      ['down', 'down'],
      ['down', 'down'],
    ]);
    assert.deepEqual(
      steps.map((s) => s.clock?.since ?? null),
      [T0, T0, null, T0 + 15 * S, T0 + 15 * S],
    );
    assert.ok(steps.every((s) => s.decision.kind === 'suspect'));
  });

  test('quorum 1 with the cloud probe on: the Kafka probe alone runs the clock while the cloud API is silent', () => {
    const one = AutoFailoverSchema.parse({ ...policy, after: 10_000, quorum: 1 });
    const kinds = over(
      [
        ['down', 'unknown'],
        ['down', 'unknown'],
        ['down', 'unknown'],
      ],
      { policy: one },
    ).map((s) => s.decision.kind);
    assert.deepEqual(kinds, ['suspect', 'suspect', 'down-confirmed']);
  });

  test('during the veto window any probe that reaches the primary is the reason to abort', () => {
    assert.equal(primaryAnswers([reading('down'), reading('unknown', 'cloud')]), undefined);
    assert.equal(primaryAnswers([reading('down'), reading('up', 'remote')])?.probe, 'remote');
  });
});

describe('at-risk estimate', () => {
  test('lag and latency of the last measurement, plus the blind time until the primary went silent', () => {
    const e = estimateAtRisk({ at: T0, lagRecords: 42, latencyMs: 1_500 }, T0 + 4 * S);
    assert.equal(e.records, 42);
    assert.equal(e.seconds, 6);
    assert.match(e.basis, /lag 42 record\(s\) and latency 1500 ms .* 4 s before the primary went silent/);
  });
});

function baseInput(): Omit<DecisionInput, 'readings'> {
  return {
    policy,
    now: T0,
    clock: undefined,
    situation: 'protected',
    secondary: { healthy: true },
    atRisk: withinBound,
  };
}
