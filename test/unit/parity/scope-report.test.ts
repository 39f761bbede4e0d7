// Which users and ACLs are a pair's business, and what a run, a plan and an approver read about the gaps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareParity, type AclEntry, type ParitySnapshot } from '../../../src/parity/model';
import { MAX_LISTED_GAPS, parityMarkdown, parityReport, uncheckedReport } from '../../../src/parity/report';
import { scopeSnapshot } from '../../../src/parity/scope';

const acl = (
  principal: string,
  resourceType: string,
  resourceName: string,
  operation: string,
  patternType = 'LITERAL',
): AclEntry => ({ principal, resourceType, resourceName, operation, patternType, permission: 'ALLOW', host: '*' });

const primary: ParitySnapshot = {
  users: [
    { name: 'orders-app', mechanism: 'SCRAM-SHA-512' },
    { name: 'billing', mechanism: 'SCRAM-SHA-512' },
    { name: 'other-team', mechanism: 'SCRAM-SHA-512' },
  ],
  acls: [
    acl('User:orders-app', 'TOPIC', 'orders', 'WRITE'),
    acl('User:orders-app', 'CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE'),
    acl('User:billing', 'TOPIC', 'ord', 'READ', 'PREFIXED'),
    acl('User:billing', 'GROUP', 'billing', 'READ'),
    acl('User:other-team', 'TOPIC', 'payments', 'READ'),
    acl('User:other-team', 'CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE'),
  ],
  topics: {
    orders: { partitions: 3, configs: { 'retention.ms': '604800000' } },
    payments: { partitions: 3, configs: {} },
  },
  instance: { aclEnabled: true },
};
const empty: ParitySnapshot = {
  users: [],
  acls: [],
  topics: {
    orders: { partitions: 3, configs: { 'retention.ms': '86400000' } },
    payments: { partitions: 3, configs: {} },
  },
  instance: { aclEnabled: true },
};
const scope = { topics: ['orders'], groups: ['billing'], users: [] };

describe('parity scope', () => {
  test('a pair compares only the clients of its own topics and groups, with their cluster ACLs', () => {
    const s = scopeSnapshot(primary, scope);
    assert.deepEqual(s.users.map((u) => u.name).sort(), ['billing', 'orders-app']);
    assert.equal(
      s.acls.length,
      4,
      'orders WRITE, orders-app IdempotentWrite, billing prefixed READ, billing group READ',
    );
    assert.ok(
      !s.acls.some((a) => a.principal === 'User:other-team'),
      "another team on another topic is not this pair's business",
    );
    assert.deepEqual(Object.keys(s.topics), ['orders']);
  });

  test('with ACLs off every user reaches every topic: every user is compared', () => {
    const s = scopeSnapshot({ ...primary, instance: { aclEnabled: false } }, scope);
    assert.equal(s.users.length, 3);
  });

  test('users the pair lists for sync are compared even before an ACL names them', () => {
    const s = scopeSnapshot(primary, { ...scope, users: ['other-team'] });
    assert.ok(s.users.some((u) => u.name === 'other-team'));
  });
});

describe('parity report', () => {
  const gaps = compareParity(scopeSnapshot(primary, scope), scopeSnapshot(empty, scope), { topics: ['orders'] });

  test('the approver reads how many users and ACLs are missing and which applications will be refused', () => {
    const r = parityReport('forward', 'secondary', gaps);
    assert.deepEqual(r.counts, { user: 2, acl: 4, 'topic-config': 1, 'topic-partitions': 0, instance: 0 });
    assert.equal(
      r.summary,
      '2 users and 4 ACLs missing on the secondary: applications billing and orders-app will be refused; ' +
        '1 topic config weaker on the secondary',
    );
    assert.ok(
      r.gaps.every((g) => g.fix.length > 0 && !('change' in g)),
      'each gap has its fix; the change stays in the activity',
    );
    const md = parityMarkdown(r);
    assert.match(md, /orders\/retention\.ms/);
    assert.match(md, /kafka-acls\.sh/);
  });

  test('the list is bounded: thousands of gaps are counted, the first ones listed', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({
      kind: 'acl' as const,
      item: `acl ${i}`,
      why: 'w',
      fix: 'f',
    }));
    const r = parityReport('forward', 'secondary', many);
    assert.equal(r.total, 3000);
    assert.equal(r.gaps.length, MAX_LISTED_GAPS);
    assert.ok(JSON.stringify(r).length < 20_000);
    assert.match(parityMarkdown(r), new RegExp(`and ${3000 - MAX_LISTED_GAPS} more`));
  });

  test('in parity, and unchecked, each say so', () => {
    assert.match(parityReport('reverse', 'old primary', []).summary, /^in parity: the old primary has every user/);
    const u = uncheckedReport('forward', 'secondary', 'the primary does not answer');
    assert.equal(u.checked, false);
    assert.match(u.summary, /^parity not checked: the primary does not answer/);
  });
});
