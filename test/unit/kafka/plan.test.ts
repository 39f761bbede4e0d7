// Unit tests of the pure offset planner. A small in-memory model of a replicated partition (records with
// offsets and timestamps on the primary, copied to the secondary with an offset shift) answers the
// offset-for-time lookups the planner asks for, so every case can check the one rule that matters:
// no record the group had not processed lies before its target on the secondary.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  effectiveMarginMs,
  EvidenceIncompleteError,
  makePlan,
  planGroup,
  planHash,
  planIdOf,
  PlanInputError,
  timestampQueries,
  type GroupEvidence,
  type PartitionEvidence,
  type PlanOptions,
} from '../../../src/plan/planner';
import { compactPlan } from '../../../src/plan/compact';
import { GroupNotInPlanError, planCsv } from '../../../src/plan/csv';

interface Rec {
  offset: number;
  ts: number;
}

/** Secondary copy of a primary partition: same records and timestamps, offsets shifted by `shift`. */
interface Model {
  topic: string;
  partition: number;
  primary: Rec[];
  shift: number;
  secondaryEarliest?: number;
}

function secondaryRecords(m: Model): Rec[] {
  const all = m.primary.map((r) => ({ offset: r.offset - m.shift, ts: r.ts }));
  return all.filter((r) => r.offset >= (m.secondaryEarliest ?? 0));
}

function secondaryLog(m: Model): { earliest: number; end: number } {
  const recs = secondaryRecords(m);
  const end = m.primary.length ? m.primary[m.primary.length - 1].offset - m.shift + 1 : 0;
  return { earliest: recs.length ? recs[0].offset : (m.secondaryEarliest ?? end), end };
}

/** Kafka's ListOffsets by time: earliest offset whose timestamp >= t, or null. */
function offsetForTime(m: Model, t: number): number | null {
  const hit = secondaryRecords(m).find((r) => r.ts >= t);
  return hit ? hit.offset : null;
}

function primaryEvidence(m: Model, committed: number) {
  const earliest = m.primary.length ? m.primary[0].offset : 0;
  const end = m.primary.length ? m.primary[m.primary.length - 1].offset + 1 : 0;
  const at = (o: number) => m.primary.find((r) => r.offset === o)?.ts;
  return {
    committedOffset: committed,
    earliest,
    end,
    firstUnprocessedTimestamp: at(Math.max(committed, earliest)),
    lastProcessedTimestamp: at(committed - 1),
  };
}

/** Fills in the lookups exactly like evidence.ts does with the real secondary. */
function withLookups(groups: GroupEvidence[], models: Model[], options: PlanOptions): GroupEvidence[] {
  const queries = timestampQueries(groups, options);
  return groups.map((g) => ({
    ...g,
    partitions: g.partitions.map((p) => {
      const m = models.find((x) => x.topic === p.topic && x.partition === p.partition) as Model;
      const answers: Record<string, number | null> = {};
      for (const q of queries)
        if (q.topic === p.topic && q.partition === p.partition)
          answers[String(q.timestamp)] = offsetForTime(m, q.timestamp);
      return { ...p, offsetsForTimes: answers };
    }),
  }));
}

/** First secondary offset of a record the group had not processed (primary offset >= committed). */
function firstUnprocessedOnSecondary(m: Model, committed: number): number {
  const rec = secondaryRecords(m).find((r) => r.offset + m.shift >= committed);
  return rec ? rec.offset : secondaryLog(m).end;
}

function records(n: number, t0 = 1_700_000_000_000, step = 10, from = 0): Rec[] {
  return Array.from({ length: n }, (_, i) => ({ offset: from + i, ts: t0 + i * step }));
}

const opts: PlanOptions = { marginMs: 1000, replicationLatencyMs: 250 };

function plan1(m: Model, p: Partial<PartitionEvidence>, options: PlanOptions = opts) {
  const ev: GroupEvidence[] = [
    { group: 'g1', partitions: [{ topic: m.topic, partition: m.partition, secondary: secondaryLog(m), ...p }] },
  ];
  return planGroup(withLookups(ev, [m], options)[0], options);
}

describe('plan: source preference and the never-skip rule', () => {
  const m: Model = { topic: 'orders', partition: 0, primary: records(500), shift: 0 };

  test('a checkpoint wins and its downstream offset is the target', () => {
    const g = plan1(m, {
      checkpoint: { upstreamOffset: 300, downstreamOffset: 290 },
      primary: primaryEvidence(m, 320),
    });
    assert.equal(g.partitions[0].source, 'checkpoint');
    assert.equal(g.partitions[0].offset, 290);
    assert.ok(g.partitions[0].offset <= firstUnprocessedOnSecondary(m, 320));
    assert.equal(g.partitions[0].duplicateBound, 500 - 290);
    assert.deepEqual(g.untranslated, []);
  });

  test('missing checkpoint falls back to the primary timestamp, minus the margin', () => {
    const g = plan1(m, { primary: primaryEvidence(m, 320) });
    const t = g.partitions[0];
    assert.equal(t.source, 'primary-timestamp');
    assert.equal(t.translatedTime, m.primary[320].ts);
    // margin 1000 ms at 10 ms per record = 100 records before the first unprocessed one
    assert.equal(t.offset, 220);
    assert.ok(t.offset <= firstUnprocessedOnSecondary(m, 320));
    assert.match(t.notes.join(';'), /no MirrorMaker 2 checkpoint/);
  });

  test('the margin is never below the measured replication latency', () => {
    assert.equal(effectiveMarginMs({ marginMs: 100, replicationLatencyMs: 2500.2 }), 2501);
    const g = plan1(m, { primary: primaryEvidence(m, 320) }, { marginMs: 0, replicationLatencyMs: 500 });
    assert.equal(g.partitions[0].offset, 270);
  });

  test('checkpoint newer than the primary commit (group rewound) is not trusted', () => {
    const g = plan1(m, {
      checkpoint: { upstreamOffset: 400, downstreamOffset: 400 },
      primary: primaryEvidence(m, 100),
    });
    assert.equal(g.partitions[0].source, 'primary-timestamp');
    assert.ok(g.partitions[0].offset <= firstUnprocessedOnSecondary(m, 100));
    assert.match(g.partitions[0].notes.join(';'), /ahead of the primary's committed offset 100/);
  });

  test('checkpoint past the secondary log end is not trusted', () => {
    const g = plan1(m, { checkpoint: { upstreamOffset: 400, downstreamOffset: 9000 } });
    assert.equal(g.partitions[0].source, 'earliest');
  });

  test('a stale checkpoint (primary commit moved on) loses to the primary timestamp: the highest proven-safe target wins', () => {
    const g = plan1(m, {
      checkpoint: { upstreamOffset: 100, downstreamOffset: 100 },
      primary: primaryEvidence(m, 450),
    });
    assert.equal(g.partitions[0].source, 'primary-timestamp');
    assert.ok(
      g.partitions[0].offset > 100 && g.partitions[0].offset <= firstUnprocessedOnSecondary(m, 450),
      `target ${g.partitions[0].offset}`,
    );
    assert.match(g.partitions[0].notes.join(';'), /behind the primary's commit by 350/);
    assert.match(
      g.partitions[0].notes.join(';'),
      /best of 2 proven-safe sources: primary-timestamp \d+ \(also checkpoint 100\)/,
    );
  });

  test('a checkpoint ahead of the timestamp route wins over it (fewer re-reads), still never past the first unprocessed record', () => {
    const g = plan1(
      m,
      {
        checkpoint: { upstreamOffset: 450, downstreamOffset: firstUnprocessedOnSecondary(m, 450) },
        primary: primaryEvidence(m, 450),
      },
      { marginMs: 5_000, replicationLatencyMs: 0 },
    );
    assert.equal(g.partitions[0].source, 'checkpoint');
    assert.equal(g.partitions[0].offset, firstUnprocessedOnSecondary(m, 450));
  });

  test('primary down and no checkpoint: operator timestamp, then earliest (listed as untranslated)', () => {
    const withOp = plan1(m, {}, { ...opts, operatorTimestamp: m.primary[250].ts });
    assert.equal(withOp.partitions[0].source, 'operator-timestamp');
    assert.equal(withOp.partitions[0].offset, 150);
    assert.deepEqual(withOp.untranslated, []);

    const none = plan1(m, {});
    assert.equal(none.partitions[0].source, 'earliest');
    assert.equal(none.partitions[0].offset, 0);
    assert.equal(none.duplicateBound, 500);
    assert.equal(none.untranslated.length, 1);
    assert.match(
      none.untranslated[0].reason,
      /no MirrorMaker 2 checkpoint; primary did not answer; no operator timestamp/,
    );
  });

  test('sources the operator disallowed are skipped', () => {
    const g = plan1(
      m,
      { checkpoint: { upstreamOffset: 300, downstreamOffset: 300 }, primary: primaryEvidence(m, 300) },
      { ...opts, sources: ['primary-timestamp'] },
    );
    assert.equal(g.partitions[0].source, 'primary-timestamp');
  });
});

describe('plan: edge cases', () => {
  test('empty partition: target 0, nothing to re-read', () => {
    const m: Model = { topic: 't', partition: 1, primary: [], shift: 0 };
    const g = plan1(m, { primary: primaryEvidence(m, 0) });
    assert.equal(g.partitions[0].offset, 0);
    assert.equal(g.partitions[0].duplicateBound, 0);
    assert.equal(g.partitions[0].source, 'primary-timestamp');
  });

  test('group at the primary log end: translated from its last record, nothing unprocessed is skipped', () => {
    const m: Model = { topic: 't', partition: 0, primary: records(200), shift: 0 };
    const g = plan1(m, { primary: primaryEvidence(m, 200) });
    const t = g.partitions[0];
    assert.equal(t.source, 'primary-timestamp');
    assert.equal(t.translatedTime, m.primary[199].ts);
    assert.equal(t.offset, 99); // last record minus 100 records of margin
    assert.equal(t.duplicateBound, 101);
  });

  test('group at 0: everything is re-read from the start, nothing is skipped', () => {
    const m: Model = { topic: 't', partition: 0, primary: records(50), shift: 0 };
    const g = plan1(m, { checkpoint: { upstreamOffset: 0, downstreamOffset: 0 }, primary: primaryEvidence(m, 0) });
    assert.equal(g.partitions[0].offset, 0);
    assert.equal(g.partitions[0].source, 'checkpoint');
  });

  test('non-monotonic timestamps: the first unprocessed record is never skipped', () => {
    // timestamps jump back by 5 s in the middle: record 300 is older than 299
    const recs = records(500).map((r) => (r.offset >= 300 ? { ...r, ts: r.ts - 5000 } : r));
    const m: Model = { topic: 't', partition: 0, primary: recs, shift: 0 };
    for (const committed of [290, 300, 301, 320, 499]) {
      const g = plan1(m, { primary: primaryEvidence(m, committed) });
      assert.ok(
        g.partitions[0].offset <= firstUnprocessedOnSecondary(m, committed),
        `committed ${committed}: target ${g.partitions[0].offset} skips unprocessed records`,
      );
    }
  });

  test('offsets differ between the clusters: timestamps translate across the shift', () => {
    const m: Model = { topic: 't', partition: 0, primary: records(300, undefined, 10, 1000), shift: 1000 };
    const g = plan1(m, { primary: primaryEvidence(m, 1200) });
    assert.equal(g.partitions[0].offset, 100);
    assert.equal(firstUnprocessedOnSecondary(m, 1200), 200);
  });

  test('retention removed records below the target: clamped to the log start and reported', () => {
    const m: Model = { topic: 't', partition: 0, primary: records(500), shift: 0, secondaryEarliest: 200 };
    const g = plan1(m, { checkpoint: { upstreamOffset: 150, downstreamOffset: 150 } });
    const t = g.partitions[0];
    assert.equal(t.offset, 200);
    assert.equal(t.missingOnSecondary, 50);
    assert.match(t.notes.join(';'), /50 records are gone/);
  });

  test('primary commit below the primary log start: dated by the first record still there', () => {
    const m: Model = { topic: 't', partition: 0, primary: records(100, undefined, 10, 400), shift: 0 };
    const g = plan1(m, { primary: primaryEvidence(m, 100) });
    assert.equal(g.partitions[0].offset, 400);
  });

  test('first unprocessed record not replicated yet: target is the log end', () => {
    const m: Model = { topic: 't', partition: 0, primary: records(100), shift: 0 };
    const primary = { ...primaryEvidence(m, 100), firstUnprocessedTimestamp: m.primary[99].ts + 60_000 };
    const g = plan1(m, { primary });
    assert.equal(g.partitions[0].offset, 100);
    assert.equal(g.partitions[0].duplicateBound, 0);
  });

  test('primary partition emptied by retention with the group past it: every copy was processed', () => {
    const g = planGroup(
      {
        group: 'g',
        partitions: [
          {
            topic: 't',
            partition: 0,
            secondary: { earliest: 0, end: 40 },
            primary: { committedOffset: 40, earliest: 40, end: 40 },
          },
        ],
      },
      opts,
    );
    assert.equal(g.partitions[0].offset, 40);
    assert.equal(g.partitions[0].source, 'primary-timestamp');
  });

  test('no commit on the primary is not a translation', () => {
    const m: Model = { topic: 't', partition: 0, primary: records(10), shift: 0 };
    const g = plan1(m, { primary: { committedOffset: -1 } });
    assert.equal(g.partitions[0].source, 'earliest');
    assert.match(g.untranslated[0].reason, /no committed offset on the primary/);
  });
});

describe('plan: inputs, totals, id and CSV', () => {
  const groups: GroupEvidence[] = [
    {
      group: 'b',
      liveMembersOnSecondary: 2,
      partitions: [
        {
          topic: 'x',
          partition: 1,
          secondary: { earliest: 0, end: 10 },
          checkpoint: { upstreamOffset: 7, downstreamOffset: 7 },
        },
        {
          topic: 'x',
          partition: 0,
          secondary: { earliest: 0, end: 10 },
          checkpoint: { upstreamOffset: 4, downstreamOffset: 4 },
        },
      ],
    },
    { group: 'a', partitions: [{ topic: 'x', partition: 0, secondary: { earliest: 5, end: 10 } }] },
  ];

  test('groups and partitions are sorted, totals add up, live members are carried', () => {
    const plan = makePlan(groups, opts);
    assert.deepEqual(
      plan.groups.map((g) => g.group),
      ['a', 'b'],
    );
    assert.deepEqual(
      plan.groups[1].partitions.map((t) => t.partition),
      [0, 1],
    );
    assert.equal(plan.groups[1].duplicateBound, 6 + 3);
    assert.equal(plan.groups[1].liveMembersOnSecondary, 2);
    assert.equal(plan.groups[0].untranslated.length, 1);
  });

  test('plan id is stable over input order and changes with the content', () => {
    const a = makePlan(groups, opts);
    const b = makePlan([...groups].reverse(), opts);
    assert.equal(a.planId, b.planId);
    assert.match(a.planId, /^[0-9a-f]{32}$/);
    assert.equal(planIdOf(a), a.planId);
    const changed = structuredClone(groups);
    (changed[0].partitions[0].checkpoint as { downstreamOffset: number }).downstreamOffset = 6;
    assert.notEqual(makePlan(changed, opts).planId, a.planId);
    assert.notEqual(makePlan(groups, { ...opts, marginMs: 2000 }).planId, a.planId);
  });

  test('the one plan hash is SHA-256 over canonical JSON (128 bits); canonical JSON sorts keys', () => {
    // SHA-256("{}") and SHA-256("[1,\"a\"]"), from `printf %s '{}' | sha256sum`, cut to 32 hex digits.
    assert.equal(planHash({}), '44136fa355b3678a1146ad16f7e8649e');
    assert.equal(planHash({ b: undefined }), planHash({}));
    assert.equal(planHash([1, 'a']), createHash('sha256').update('[1,"a"]').digest('hex').slice(0, 32));
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined, e: 'é' }] }), '{"a":[{"d":2,"e":"é"}],"b":1}');
    assert.throws(() => planHash({ x: Number.NaN }), PlanInputError);
  });

  test("CSV is what kafka-consumer-groups.sh --from-file reads (the one plan type, compacted from the planner's result)", () => {
    const plan = compactPlan(makePlan(groups, opts), { pair: 'p', latencyMs: 0, primaryReachable: true });
    assert.equal(plan.totals.partitions, 3);
    assert.equal(planCsv(plan, 'b'), 'x,0,4\nx,1,7\n');
    assert.equal(planCsv(plan), 'a,x,0,5\nb,x,0,4\nb,x,1,7\n');
    assert.throws(
      () => planCsv(plan, 'zzz'),
      (e: Error) => e instanceof GroupNotInPlanError && /group zzz is not in the plan \(groups: a, b\)/.test(e.message),
    );
    // Names with a comma or a quote are quoted, as CSV readers expect.
    const odd = {
      groups: [
        {
          group: 'g,1',
          duplicateBound: 0,
          liveMembers: 0,
          untranslated: [],
          offsets: [['t"x', 0, 3, 'matched']] as [string, number, number, 'matched'][],
        },
      ],
    };
    assert.equal(planCsv(odd), '"g,1","t""x",0,3\n');
  });

  test('bad input names the field', () => {
    assert.throws(() => makePlan(groups, { marginMs: -1, replicationLatencyMs: 0 }), PlanInputError);
    assert.throws(() => makePlan(groups, { marginMs: 0, replicationLatencyMs: Number.NaN }), /replicationLatencyMs/);
    assert.throws(() => makePlan([...groups, groups[0]], opts), /group b appears twice/);
    assert.throws(
      () =>
        planGroup({ group: 'g', partitions: [{ topic: 't', partition: 0, secondary: { earliest: 5, end: 2 } }] }, opts),
      /earliest=5 end=2/,
    );
    assert.throws(() => makePlan(groups, { ...opts, sources: ['nope' as never] }), /sources contains "nope"/);
  });

  test('a timestamp source without its lookup is refused, not guessed', () => {
    const ev: GroupEvidence = {
      group: 'g',
      partitions: [
        {
          topic: 't',
          partition: 0,
          secondary: { earliest: 0, end: 10 },
          primary: { committedOffset: 3, firstUnprocessedTimestamp: 5000 },
        },
      ],
    };
    assert.throws(() => planGroup(ev, opts), EvidenceIncompleteError);
    assert.deepEqual(timestampQueries([ev, { ...ev, group: 'h' }], opts), [
      { topic: 't', partition: 0, timestamp: 4000 },
    ]);
  });
});

describe('matched source and the replicated end', () => {
  const options: PlanOptions = { marginMs: 1000, replicationLatencyMs: 0 };
  const base: PartitionEvidence = {
    topic: 't',
    partition: 0,
    secondary: { earliest: 0, end: 500 },
    checkpoint: { upstreamOffset: 90, downstreamOffset: 80 },
    primary: { committedOffset: 100, earliest: 0, end: 120, firstUnprocessedTimestamp: 5000 },
    offsetsForTimes: { 4000: 70 },
  };

  test('an exact match wins over a checkpoint, with its proof in the notes', () => {
    const g = planGroup(
      { group: 'g', partitions: [{ ...base, matched: { offset: 97, proof: 'record 100 found at 97' } }] },
      options,
    );
    assert.equal(g.partitions[0].source, 'matched');
    assert.equal(g.partitions[0].offset, 97);
    assert.deepEqual(g.partitions[0].notes, ['record 100 found at 97']);
  });

  test('without a match the planner falls back and says why', () => {
    const g = planGroup({ group: 'g', partitions: [{ ...base, unmatched: 'record 100 not found' }] }, options);
    assert.equal(g.partitions[0].source, 'checkpoint');
    assert.match(g.partitions[0].notes[0], /no exact match: record 100 not found/);
  });

  test('the duplicate bound counts up to the replicated end, not the records written on the secondary after the switch', () => {
    const g = planGroup(
      {
        group: 'g',
        partitions: [
          { ...base, secondary: { earliest: 0, end: 500, replicatedEnd: 117 }, matched: { offset: 97, proof: 'p' } },
        ],
      },
      options,
    );
    assert.equal(g.partitions[0].duplicateBound, 20);
  });

  test('a group that processed everything on an emptied primary partition resumes at the replicated end, never past new records', () => {
    const p: PartitionEvidence = {
      topic: 't',
      partition: 0,
      secondary: { earliest: 0, end: 500, replicatedEnd: 120 },
      primary: { committedOffset: 120, earliest: 120, end: 120 },
    };
    const g = planGroup({ group: 'g', partitions: [p] }, { ...options, sources: ['primary-timestamp'] });
    assert.equal(g.partitions[0].offset, 120);
    assert.equal(g.partitions[0].duplicateBound, 0);
  });
});
