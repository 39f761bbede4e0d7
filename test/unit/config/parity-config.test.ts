// A pair's parity section: what an operator writes, its defaults, and the refusals that name the field and the fix.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PairConfigSchema, validate, type PairConfigInput } from '../../../src/config';

function pair(parity?: unknown): PairConfigInput {
  return {
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
    ...(parity === undefined ? {} : { parity }),
  } as PairConfigInput;
}

function problems(value: unknown): string[] {
  const result = validate(PairConfigSchema, value);
  assert.equal(result.ok, false, 'expected the pair to be refused');
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('pair parity config', () => {
  test('omitted, a pair only checks parity and a failover with gaps warns', () => {
    const r = validate(PairConfigSchema, pair());
    assert.ok(r.ok);
    assert.deepEqual(r.value.parity, { mode: 'check', users: [], failover: 'warn', accept: [] });
  });

  test('"sync" alone is short for the sync mode; the full form keeps users and the failover policy', () => {
    const short = validate(PairConfigSchema, pair('sync'));
    assert.ok(short.ok);
    assert.deepEqual(short.value.parity, { mode: 'sync', users: [], failover: 'warn', accept: [] });
    const full = validate(
      PairConfigSchema,
      pair({
        mode: 'sync',
        failover: 'approve',
        users: [{ name: 'orders-app', mechanism: 'SCRAM-SHA-512', passwordEnv: 'KDR_SECRET_ORDERS_APP' }],
      }),
    );
    assert.ok(full.ok);
    assert.equal(full.value.parity.failover, 'approve');
    assert.deepEqual(full.value.parity.users, [
      { name: 'orders-app', mechanism: 'SCRAM-SHA-512', passwordEnv: 'KDR_SECRET_ORDERS_APP' },
    ]);
  });

  test('a password written into the pairs file is refused without being echoed, naming passwordEnv', () => {
    const secret = 'hunter2-do-not-echo';
    const found = problems(
      pair({ mode: 'sync', users: [{ name: 'orders-app', mechanism: 'SCRAM-SHA-512', password: secret }] }),
    );
    assert.ok(
      found.some(
        (p) =>
          p.startsWith('parity.users[0].password: inline credentials are not accepted') && p.includes('passwordEnv'),
      ),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('parity.users[0].passwordEnv: missing')),
      found.join('\n'),
    );
    assert.ok(!found.join('\n').includes(secret), 'the refusal must not repeat the password');
  });

  test('every wrong field is named with the fix, all at once', () => {
    const found = problems(
      pair({
        mode: 'mirror',
        failover: 'maybe',
        users: [
          { name: 'a', mechanism: 'GSSAPI', passwordEnv: 'KDR_SECRET_A' },
          { name: 'a', mechanism: 'PLAIN', passwordEnv: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' },
          { name: 'bad name!', mechanism: 'PLAIN', passwordEnv: 'KDR_SECRET_B' },
        ],
      }),
    );
    const text = found.join('\n');
    assert.match(text, /parity\.mode: expected one of "check", "sync", got "mirror"/);
    assert.match(text, /parity\.failover: expected one of "warn", "approve", got "maybe"/);
    assert.match(text, /parity\.users\[0\]\.mechanism: expected one of "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"/);
    assert.match(text, /parity\.users\[1\]\.passwordEnv: names a variable the worker keeps for itself/);
    assert.match(text, /parity\.users\[1\]\.name: "a" is listed twice \(first at users\[0\]\)/);
    assert.match(text, /parity\.users\[2\]\.name: expected a SASL user name/);
  });

  test('accepted differences are listed as kdr names them; anything else is refused', () => {
    const ok = validate(
      PairConfigSchema,
      pair({ accept: ['orders/retention.ms', 'User:billing ALLOW READ TOPIC:orders from *'] }),
    );
    assert.ok(ok.ok);
    assert.deepEqual(ok.value.parity.accept, ['orders/retention.ms', 'User:billing ALLOW READ TOPIC:orders from *']);
    const found = problems(pair({ accept: 'orders/retention.ms' }));
    assert.ok(
      found.some((p) => p.startsWith('parity.accept: expected a list')),
      found.join('\n'),
    );
  });

  test('users without mode "sync" are refused: nothing would create them', () => {
    const found = problems(
      pair({ users: [{ name: 'orders-app', mechanism: 'PLAIN', passwordEnv: 'KDR_SECRET_ORDERS_APP' }] }),
    );
    assert.deepEqual(found, [
      'parity.users: only used with mode "sync" (drSetup creates these users on the secondary): set "mode": "sync" or remove users',
    ]);
  });
});
