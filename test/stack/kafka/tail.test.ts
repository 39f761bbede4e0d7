// The unreplicated tail found by identity: the pure matching, no cluster.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FidelityProfile } from '../../../src/kafka/fidelity';
import { matchByIdentity, matchInOrder, toRanges } from '../../../src/kafka/tail';

const all: FidelityProfile = {
  measured: true,
  partitionPreserved: true,
  orderPreserved: true,
  timestampPreserved: true,
  keyValueIdentical: true,
  headersPreserved: true,
};
const reproduce: FidelityProfile = {
  ...all,
  partitionPreserved: false,
  orderPreserved: false,
  timestampPreserved: false,
  headersPreserved: false,
};
const rec = (offset: number, value: string, timestamp = 1000 + Number(value.replace(/\D/g, '') || 0)) => ({
  offset,
  timestamp,
  key: Buffer.from('k'),
  value: Buffer.from(value),
  headers: {},
});

describe('unreplicated tail', () => {
  test("in order: the copies are a prefix; the rest of the primary is the tail, the secondary's own records are foreign", () => {
    const primary = ['a1', 'a2', 'a3', 'b4', 'b5'].map((v, i) => rec(i, v));
    const secondary = [rec(0, 'a1'), rec(1, 'a2'), rec(2, 'a3'), rec(3, 'c1'), rec(4, 'c2')];
    const m = matchInOrder(primary, secondary, all);
    assert.deepEqual(
      m.unreplicated.map((r) => r.offset),
      [3, 4],
    );
    assert.deepEqual(
      m.foreign.map((r) => r.value.toString()),
      ['c1', 'c2'],
    );
  });

  test("a producer's retry of the last tail record on the secondary does not hide the records before it", () => {
    const primary = ['a1', 'a2', 'b3', 'b4', 'b5'].map((v, i) => rec(i, v));
    const secondary = [rec(0, 'a1'), rec(1, 'a2'), rec(2, 'c1'), rec(3, 'b5')];
    const m = matchInOrder(primary, secondary, all);
    assert.deepEqual(
      m.unreplicated.map((r) => r.offset),
      [2, 3, 4],
    );
    assert.equal(m.foreign.length, 2);
  });

  test('windows that start later on the secondary (retention) still align', () => {
    const primary = ['a1', 'a2', 'a3', 'b4'].map((v, i) => rec(i + 10, v));
    const secondary = [rec(5, 'a2'), rec(6, 'a3')];
    assert.deepEqual(
      matchInOrder(primary, secondary, all).unreplicated.map((r) => r.offset),
      [13],
    );
  });

  test('nothing replicated: the whole primary is the tail', () => {
    const primary = ['a1', 'a2'].map((v, i) => rec(i, v));
    const m = matchInOrder(primary, [], all);
    assert.equal(m.unreplicated.length, 2);
    assert.equal(m.aligned, false);
  });

  test('by identity (re-producing replicator): counted look-alikes, key and value only', () => {
    const primary = [rec(0, 'x'), rec(1, 'x'), rec(2, 'y')];
    const secondary = [{ ...rec(7, 'x'), timestamp: 5 }];
    assert.deepEqual(
      matchByIdentity(primary, secondary, reproduce).unreplicated.map((r) => r.offset),
      [1, 2],
    );
  });

  test('ranges', () => {
    assert.deepEqual(toRanges([5, 3, 4, 9]), [
      [3, 6],
      [9, 10],
    ]);
  });
});
