// How applying parity gaps reports: users before the ACLs that name them, every item done, failed or manual, one
// failure never stopping the rest; and how ApsaraMQ's user types map to SASL mechanisms.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEach, missingSecret } from '../../../src/parity/apply';
import { mechanismOf } from '../../../src/parity/alikafka';
import { compareParity, userSecretVar, type ParityChange, type ParitySnapshot } from '../../../src/parity/model';

const acl = {
  resourceType: 'TOPIC',
  resourceName: 'orders',
  patternType: 'LITERAL',
  principal: 'User:app',
  operation: 'WRITE',
  permission: 'ALLOW',
  host: '*',
};
const primary: ParitySnapshot = {
  users: [{ name: 'app', mechanism: 'SCRAM-SHA-512' }],
  acls: [acl, { ...acl, resourceName: '*', permission: 'DENY', principal: 'User:other' }],
  topics: { orders: { partitions: 3, configs: { 'retention.ms': '100' } } },
};
const secondary: ParitySnapshot = {
  users: [],
  acls: [{ ...acl, resourceName: 'orders', permission: 'DENY', principal: 'User:app', operation: 'ALL' }],
  topics: { orders: { partitions: 6, configs: { 'retention.ms': '10' } } },
};

describe('applying parity gaps', () => {
  test('users first, each item reported once as done, failed or manual, a failure never stops the rest', async () => {
    const gaps = compareParity(primary, secondary);
    const seen: ParityChange['op'][] = [];
    const result = await applyEach(gaps, async (change) => {
      seen.push(change.op);
      if (change.op === 'set-topic-config')
        throw Object.assign(new Error('refused by the broker'), { type: 'INVALID_CONFIG' });
      return `did ${change.op}`;
    });
    assert.equal(seen[0], 'create-user');
    assert.ok(seen.indexOf('create-acl') > seen.indexOf('create-user'));
    assert.equal(result.done.length + result.failed.length + result.manual.length, gaps.length);
    assert.deepEqual(result.failed, [
      { kind: 'topic-config', item: 'orders/retention.ms', detail: 'INVALID_CONFIG: refused by the broker' },
    ]);
    // More partitions on the secondary and a DENY only it has cannot be applied: manual, with their fix.
    assert.deepEqual(result.manual.map((m) => m.kind).sort(), ['acl', 'topic-partitions']);
    assert.ok(result.manual.every((m) => m.detail.length > 0));
  });

  test('a missing secret names the user and the variable, never a value', () => {
    const e = missingSecret({
      op: 'create-user',
      user: 'app',
      mechanism: 'SCRAM-SHA-512',
      secretVar: userSecretVar('app'),
    });
    assert.match(e.message, /user app: set KDR_SASL_PASSWORD_APP/);
  });

  test("ApsaraMQ's user types as SASL mechanisms (its scram is SCRAM-SHA-256 on reserved instances)", () => {
    assert.equal(mechanismOf('scram'), 'SCRAM-SHA-256');
    assert.equal(mechanismOf('scram', 'SCRAM-SHA-512'), 'SCRAM-SHA-512');
    assert.equal(mechanismOf('plain'), 'PLAIN');
  });
});
