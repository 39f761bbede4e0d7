// The `snapshot` source of the planner (drWatch's stored positions, read when the primary is down): exact when the
// snapshot carries a proven match and the profile keeps records identical, per-partition by time when the profile
// keeps partitions and order, group-wide by time otherwise, and never ahead of a primary commit that moved back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makePlan,
  PER_PARTITION_SOURCES,
  SOURCE_ORDER,
  timestampQueries,
  type GroupEvidence,
  type PartitionEvidence,
  type PlanOptions,
} from '../../../src/plan/planner';
import { UNMEASURED_PROFILE, type FidelityProfile } from '../../../src/kafka/fidelity';

const MIRROR: FidelityProfile = {
  measured: true,
  partitionPreserved: true,
  orderPreserved: true,
  timestampPreserved: true,
  keyValueIdentical: true,
  headersPreserved: true,
};
const KEEPS_ORDER_ONLY: FidelityProfile = { ...MIRROR, timestampPreserved: false, headersPreserved: false };
const REPRODUCE: FidelityProfile = {
  measured: true,
  partitionPreserved: false,
  orderPreserved: false,
  timestampPreserved: false,
  keyValueIdentical: true,
  headersPreserved: false,
};
const T0 = Date.parse('2026-11-30T10:00:00Z');

function part(partition: number, extra: Partial<PartitionEvidence> = {}): PartitionEvidence {
  return { topic: 'orders', partition, secondary: { earliest: 0, end: 1_000 }, ...extra };
}

/** Plans with every lookup answered by `answer(t)`, as gatherEvidence + attachSnapshots would. */
function plan(groups: GroupEvidence[], options: PlanOptions, answer: (t: number) => number | null = () => 500) {
  for (const q of timestampQueries(groups, options)) {
    for (const g of groups) {
      const p = g.partitions.find((x) => x.topic === q.topic && x.partition === q.partition);
      if (p) p.offsetsForTimes = { ...(p.offsetsForTimes ?? {}), [String(q.timestamp)]: answer(q.timestamp) };
    }
  }
  return makePlan(groups, options);
}

const base: PlanOptions = { marginMs: 1_000, replicationLatencyMs: 0, fidelity: MIRROR };

describe('planner: snapshot source', () => {
  test('comes right after matched, and is a per-partition source', () => {
    assert.deepEqual(SOURCE_ORDER.slice(0, 3), ['matched', 'snapshot', 'checkpoint']);
    assert.ok(PER_PARTITION_SOURCES.includes('snapshot'));
  });

  test('a proven match in the snapshot is the target, before a checkpoint; the bound runs to the replicated end', () => {
    const g: GroupEvidence = {
      group: 'billing',
      partitions: [
        part(0, {
          snapshot: {
            takenAt: T0,
            committedOffset: 700,
            matched: { offset: 690, proof: 'record 700 found at secondary offset 690' },
            firstUnprocessedTimestamp: T0 - 50,
          },
          checkpoint: { upstreamOffset: 600, downstreamOffset: 590 },
        }),
      ],
    };
    const p = plan([g], base).groups[0].partitions[0];
    assert.equal(p.source, 'snapshot');
    assert.equal(p.offset, 690);
    assert.equal(p.duplicateBound, 1_000 - 690);
    assert.ok(
      p.notes.some((n) => n.includes('2026-11-30T10:00:00.000Z') && n.includes('690')),
      p.notes.join('; '),
    );
  });

  test('without a match: the first unprocessed record time minus the margin, per partition', () => {
    const g: GroupEvidence = {
      group: 'ledger',
      partitions: [part(1, { snapshot: { takenAt: T0, committedOffset: 40, firstUnprocessedTimestamp: T0 - 5_000 } })],
    };
    const queries = timestampQueries([g], base);
    assert.deepEqual(queries, [{ topic: 'orders', partition: 1, timestamp: T0 - 6_000 }]);
    const p = plan([g], base, () => 321).groups[0].partitions[0];
    assert.equal(p.source, 'snapshot');
    assert.equal(p.offset, 321);
    assert.equal(p.translatedTime, T0 - 5_000);
  });

  test('a match is not used when the profile does not keep records identical; the time still is', () => {
    const g: GroupEvidence = {
      group: 'audit',
      partitions: [
        part(0, {
          snapshot: {
            takenAt: T0,
            committedOffset: 9,
            matched: { offset: 9, proof: 'x' },
            lastProcessedTimestamp: T0 - 100,
          },
        }),
      ],
    };
    const p = plan([g], { ...base, fidelity: KEEPS_ORDER_ONLY }, () => 7).groups[0].partitions[0];
    assert.equal(p.source, 'snapshot');
    assert.equal(p.offset, 7);
    assert.equal(p.translatedTime, T0 - 100);
  });

  test('an empty primary partition at the snapshot is dated by the snapshot itself (later records are newer)', () => {
    const g: GroupEvidence = {
      group: 'audit',
      partitions: [part(2, { snapshot: { takenAt: T0, committedOffset: 0 } })],
    };
    const p = plan([g], base, (t) => (t === T0 - 1_000 ? 950 : null)).groups[0].partitions[0];
    assert.equal(p.source, 'snapshot');
    assert.equal(p.offset, 950);
  });

  test('refused under a profile that does not keep partitions: group-wide time from the snapshots instead', () => {
    const g: GroupEvidence = {
      group: 'billing',
      partitions: [
        part(0, {
          snapshot: {
            takenAt: T0,
            committedOffset: 10,
            matched: { offset: 10, proof: 'x' },
            firstUnprocessedTimestamp: T0 - 3_000,
          },
        }),
        part(1, { snapshot: { takenAt: T0, committedOffset: 20, firstUnprocessedTimestamp: T0 - 8_000 } }),
      ],
    };
    for (const fidelity of [REPRODUCE, UNMEASURED_PROFILE]) {
      const planned = plan([structuredClone(g)], { ...base, fidelity }, () => 42).groups[0];
      for (const p of planned.partitions) {
        assert.ok(!PER_PARTITION_SOURCES.includes(p.source), `${p.source} used under ${JSON.stringify(fidelity)}`);
        assert.equal(p.source, 'group-timestamp');
        assert.equal(p.translatedTime, T0 - 8_000, "the oldest time over the group's partitions");
        assert.ok(
          p.notes.some((n) => n.includes('from drWatch snapshots')),
          p.notes.join('; '),
        );
      }
    }
  });

  test('not used when the primary answers with an older commit (the group was rewound since)', () => {
    const g: GroupEvidence = {
      group: 'rewound',
      partitions: [
        part(0, {
          primary: { committedOffset: 100, firstUnprocessedTimestamp: T0 - 60_000 },
          snapshot: { takenAt: T0, committedOffset: 500, matched: { offset: 500, proof: 'x' } },
        }),
      ],
    };
    const p = plan([g], base, () => 99).groups[0].partitions[0];
    assert.equal(p.source, 'primary-timestamp');
    assert.ok(
      p.notes.some((n) => n.includes('rewound')),
      p.notes.join('; '),
    );
  });

  test('a matched offset past the secondary log end (topic recreated) falls back to the time', () => {
    const g: GroupEvidence = {
      group: 'recreated',
      partitions: [
        part(0, {
          snapshot: {
            takenAt: T0,
            committedOffset: 5_000,
            matched: { offset: 5_000, proof: 'x' },
            firstUnprocessedTimestamp: T0,
          },
        }),
      ],
    };
    const p = plan([g], base, () => 12).groups[0].partitions[0];
    assert.equal(p.source, 'snapshot');
    assert.equal(p.offset, 12);
    assert.ok(p.notes.some((n) => n.includes('outside the secondary log')));
  });

  test('the operator may exclude it', () => {
    const g: GroupEvidence = {
      group: 'x',
      partitions: [part(0, { snapshot: { takenAt: T0, committedOffset: 1, matched: { offset: 1, proof: 'x' } } })],
    };
    const p = plan([g], { ...base, sources: ['checkpoint'] }).groups[0].partitions[0];
    assert.equal(p.source, 'earliest');
  });
});
