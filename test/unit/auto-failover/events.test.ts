// What the automatic failover's events do on the worker: counted per pair and event (the gauge-only clock events are
// not), the down clock as a gauge that reads 0 once it stopped, and the veto window's message with the commands that
// stop it or let it go now.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { observeAutoFailover } from '../../../src/metrics/auto-failover';
import { registry } from '../../../src/metrics/kdr';
import { renderEvent } from '../../../src/notify/messages';
import type { AutoFailoverEvent } from '../../../src/auto-failover/events';

const atRisk = { records: 42, seconds: 3, basis: 'lag 42 record(s)' };
const event = (e: Partial<AutoFailoverEvent>): AutoFailoverEvent => ({
  kind: 'auto-failover',
  event: 'started',
  pair: 'orders-ev',
  why: 'automatic failover of orders-ev in 180 s',
  at: 1_700_000_100_000,
  ...e,
});
const sample = (text: string, name: string) =>
  text
    .split('\n')
    .find((l) => l.startsWith(name))
    ?.split(' ')
    .at(-1);

describe('automatic failover events on the worker', () => {
  test('counted per pair and event; the clock is a gauge that reads 0 once stopped', () => {
    observeAutoFailover(event({ event: 'clock-started', downSince: 1_700_000_000_000, atRisk }));
    observeAutoFailover(event({ event: 'started', downSince: 1_700_000_000_000 }));
    observeAutoFailover(event({ event: 'vetoed', by: 'alice' }));
    const now = 1_700_000_060_000;
    const text = registry.render(now);
    assert.equal(sample(text, 'kdr_auto_failover_total{pair="orders-ev",event="started"}'), '1');
    assert.equal(sample(text, 'kdr_auto_failover_total{pair="orders-ev",event="vetoed"}'), '1');
    assert.ok(!/event="clock-started"/.test(text), 'clock events only move the gauges');
    assert.equal(sample(text, 'kdr_auto_failover_down_seconds{pair="orders-ev"}'), '60');
    assert.equal(sample(text, 'kdr_auto_failover_at_risk_records{pair="orders-ev"}'), '42');
    observeAutoFailover(event({ event: 'clock-stopped' }));
    assert.equal(sample(registry.render(now), 'kdr_auto_failover_down_seconds{pair="orders-ev"}'), '0');
  });

  test('the veto window message says when it proceeds and how to stop it or go now', () => {
    const m = renderEvent(event({ proceedsAt: 1_700_000_280_000, downSince: 1_700_000_000_000, atRisk }), {
      workflowId: 'dr-failover-orders-ev',
      runId: 'r',
      namespace: 'default',
    });
    const lines = m.lines.map((l) => l.parts.map((p, i) => `${p}${l.values[i] ?? ''}`).join(''));
    assert.ok(
      lines.some((l) => /in 180 s \(at 2023-11-14T22:18:00.000Z\)/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => /At risk: 42 record\(s\), 3 s/.test(l)));
    assert.ok(m.commands.some((c) => c.startsWith('kdr reject orders-ev ')));
    assert.ok(m.commands.some((c) => c.startsWith('kdr approve orders-ev ')));
  });
});
