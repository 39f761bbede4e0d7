// drWatch's settings and inputs: the pair's `watch` section (defaults, and errors naming the field and the fix),
// the watch input (one pair, the state carried across continue-as-new) and the stopWatch signal payload.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PairConfigSchema,
  StopWatchPayloadSchema,
  WatchInputSchema,
  validate,
  type PairConfigInput,
} from '../../../src/config';
import { watchWorkflowId } from '../../../workflows/contract';

const pair: PairConfigInput = {
  name: 'orders-dr',
  primary: { provider: 'kafka', bootstrapServers: ['10.0.0.1:9092'], endpointHost: 'primary.example.com' },
  secondary: { provider: 'kafka', bootstrapServers: ['10.1.0.1:9092'], endpointHost: 'secondary.example.com' },
  replication: {
    provider: 'kafka-connect',
    topics: ['orders'],
    canaryTopic: 'kdr-canary',
    connectUrl: 'http://connect:8083',
  },
  dns: { provider: 'alidns', domain: 'example.com', rr: 'kafka', ttl: 60, resolvers: ['223.5.5.5'] },
};

describe('drWatch settings', () => {
  test('defaults: a snapshot every 5 s, a canary every 5 min, a parity comparison every minute', () => {
    const r = validate(PairConfigSchema, pair);
    assert.ok(r.ok);
    assert.deepEqual(r.value.watch, { interval: 5_000, canaryEvery: 300_000, parityEvery: 60_000 });
  });

  test('durations as text or milliseconds', () => {
    const r = validate(PairConfigSchema, {
      ...pair,
      watch: { interval: '30s', canaryEvery: 600_000, parityEvery: '5m' },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value.watch, { interval: 30_000, canaryEvery: 600_000, parityEvery: 300_000 });
  });

  test('an interval below 1 s, or an unknown field, is refused naming the field and what is expected', () => {
    const r = validate(PairConfigSchema, { ...pair, watch: { interval: '100ms', every: 3 } });
    assert.ok(!r.ok);
    assert.match(r.message, /watch\.interval[^\n]*expected a duration such as "30s"[^\n]*at least 1000ms/);
    assert.match(r.message, /watch[^\n]*every/);
  });

  test('watch input: one pair, a carried state is checked too', () => {
    assert.ok(validate(WatchInputSchema, { pair: 'orders-dr' }).ok);
    const both = validate(WatchInputSchema, { pair: 'orders-dr', config: pair });
    assert.ok(!both.ok && /give either "pair" or "config"/.test(both.message));
    const bad = validate(WatchInputSchema, { pair: 'orders-dr', state: { health: 'fine' } });
    assert.ok(!bad.ok && /state\.health/.test(bad.message), bad.ok ? '' : bad.message);
    assert.equal(watchWorkflowId('orders-dr'), 'dr-watch-orders-dr');
  });

  test('stopWatch payload: who stops it', () => {
    assert.ok(validate(StopWatchPayloadSchema, { by: 'alice', reason: 'pair retired' }).ok);
    assert.ok(!validate(StopWatchPayloadSchema, { reason: 'no name' }).ok);
  });
});
