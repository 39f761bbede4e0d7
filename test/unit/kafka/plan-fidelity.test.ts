// The planner under each replication fidelity profile. A model of a re-producing replicator (records moved to
// another partition by key hash, null keys spread, append time instead of the record's time, arrival order
// interleaved across partitions) checks the rule that matters: no record the group had not processed lies before
// its target on the secondary. And a per-partition source under a profile that does not keep partitions fails.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makePlan,
  PER_PARTITION_SOURCES,
  planIdOf,
  timestampQueries,
  type GroupEvidence,
  type PartitionEvidence,
  type PlanOptions,
} from '../../../src/plan/planner';
import {
  describeProfile,
  effectiveProfile,
  profileFromSamples,
  UNMEASURED_PROFILE,
  type FidelityProfile,
  type FidelitySample,
} from '../../../src/kafka/fidelity';
import { comparePlans } from '../../../src/plan/compare';
import { type FailoverPlan } from '../../../src/plan/model';

const PARTITIONS = 3;

interface PRec {
  partition: number;
  offset: number;
  ts: number;
  key: string | null;
  id: number;
}
interface SRec {
  partition: number;
  offset: number;
  ts: number;
  id: number;
}

const MIRROR: FidelityProfile = {
  measured: true,
  partitionPreserved: true,
  orderPreserved: true,
  timestampPreserved: true,
  keyValueIdentical: true,
  headersPreserved: true,
};
const REPRODUCE: FidelityProfile = {
  measured: true,
  partitionPreserved: false,
  orderPreserved: false,
  timestampPreserved: false,
  keyValueIdentical: true,
  headersPreserved: false,
};

function hash(key: string): number {
  let h = 7;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

/** 120 records over 3 partitions; copies re-partitioned, appended in arrival order with their arrival time. */
function world(keepTimestamp: boolean, seed = 1) {
  let rnd = seed;
  const random = () => {
    rnd = (rnd * 1103515245 + 12345) % 2147483648;
    return rnd / 2147483648;
  };
  const primary: PRec[] = [];
  const next = [0, 0, 0];
  for (let id = 0; id < 120; id++) {
    const partition = id % PARTITIONS;
    // CreateTime may go back a little (producer clocks): up to 30 ms of disorder.
    primary.push({
      partition,
      offset: next[partition]++,
      ts: 100_000 + id * 10 - Math.floor(random() * 30),
      key: id % 4 === 0 ? null : `k${id % 7}`,
      id,
    });
  }
  // Arrival on the secondary: latency 5..300 ms, in order per source partition.
  const lastArrival = [0, 0, 0];
  const arrivals = primary
    .map((r) => {
      const at = Math.max(lastArrival[r.partition], 100_000 + r.id * 10 + 5 + Math.floor(random() * 295));
      lastArrival[r.partition] = at;
      return { r, at };
    })
    .sort((a, b) => a.at - b.at || a.r.id - b.r.id);
  const secondary: SRec[] = [];
  const snext = [0, 0, 0];
  let spread = 0;
  for (const { r, at } of arrivals) {
    const partition = r.key === null ? spread++ % PARTITIONS : hash(r.key) % PARTITIONS;
    secondary.push({ partition, offset: snext[partition]++, ts: keepTimestamp ? r.ts : at, id: r.id });
  }
  return { primary, secondary, ends: snext };
}

type World = ReturnType<typeof world>;

function evidence(
  w: World,
  committed: number[],
  extra: (p: number) => Partial<PartitionEvidence> = () => ({}),
): GroupEvidence {
  return {
    group: 'orders',
    partitions: Array.from({ length: PARTITIONS }, (_, p) => {
      const recs = w.primary.filter((r) => r.partition === p);
      const at = (o: number) => recs.find((r) => r.offset === o)?.ts;
      return {
        topic: 't',
        partition: p,
        secondary: { earliest: 0, end: w.ends[p] },
        primary: {
          committedOffset: committed[p],
          earliest: 0,
          end: recs.length,
          firstUnprocessedTimestamp: at(committed[p]),
          lastProcessedTimestamp: at(committed[p] - 1),
        },
        ...extra(p),
      };
    }),
  };
}

function answer(w: World, g: GroupEvidence, options: PlanOptions): GroupEvidence {
  const qs = timestampQueries([g], options);
  return {
    ...g,
    partitions: g.partitions.map((p) => {
      const offsetsForTimes: Record<string, number | null> = {};
      for (const q of qs.filter((x) => x.partition === p.partition)) {
        offsetsForTimes[String(q.timestamp)] =
          w.secondary.find((r) => r.partition === p.partition && r.ts >= q.timestamp)?.offset ?? null;
      }
      return { ...p, offsetsForTimes };
    }),
  };
}

/** Unprocessed records whose copy lies before the group's target on its secondary partition. */
function skipped(w: World, committed: number[], targets: Map<number, number>): number[] {
  const unprocessed = new Set(w.primary.filter((r) => r.offset >= committed[r.partition]).map((r) => r.id));
  return w.secondary
    .filter((s) => unprocessed.has(s.id) && s.offset < (targets.get(s.partition) ?? 0))
    .map((s) => s.id);
}

describe('planner under replication fidelity profiles', () => {
  for (const keepTimestamp of [false, true]) {
    test(`re-producing replicator (timestamps ${keepTimestamp ? 'kept' : 'replaced by append time'}): group-wide targets skip nothing`, () => {
      const profile = { ...REPRODUCE, timestampPreserved: keepTimestamp };
      for (const seed of [1, 2, 3, 4, 5]) {
        const w = world(keepTimestamp, seed);
        for (const committed of [
          [10, 25, 39],
          [0, 0, 0],
          [40, 40, 40],
          [33, 5, 20],
        ]) {
          const options: PlanOptions = { marginMs: 50, replicationLatencyMs: 300, fidelity: profile };
          const plan = makePlan([answer(w, evidence(w, committed), options)], options);
          const targets = new Map(plan.groups[0].partitions.map((t) => [t.partition, t.offset]));
          assert.deepEqual(
            skipped(w, committed, targets),
            [],
            `seed ${seed} committed ${committed.join(',')}: no unprocessed record skipped`,
          );
          for (const t of plan.groups[0].partitions) {
            assert.ok(['group-timestamp', 'earliest'].includes(t.source), `${t.partition}: ${t.source}`);
          }
          assert.equal(plan.fidelity?.partitionPreserved, false, 'the plan states the profile it relied on');
          assert.match(plan.fidelity?.description ?? '', /partition not kept/);
        }
      }
    });
  }

  test('a per-partition source is never used when partitions are not kept, even with a checkpoint and a match offered', () => {
    const w = world(false);
    const committed = [20, 20, 20];
    const offered = (p: number): Partial<PartitionEvidence> => ({
      checkpoint: { upstreamOffset: 20, downstreamOffset: 20 },
      matched: { offset: 20, proof: `p${p}` },
    });
    for (const profile of [
      REPRODUCE,
      { ...MIRROR, partitionPreserved: false },
      { ...MIRROR, orderPreserved: false },
      UNMEASURED_PROFILE,
    ]) {
      const options: PlanOptions = { marginMs: 0, replicationLatencyMs: 300, fidelity: profile };
      const plan = makePlan([answer(w, evidence(w, committed, offered), options)], options);
      for (const t of plan.groups[0].partitions) {
        assert.ok(
          !PER_PARTITION_SOURCES.includes(t.source),
          `${describeProfile(profile)}: partition ${t.partition} used ${t.source}`,
        );
      }
      const targets = new Map(plan.groups[0].partitions.map((t) => [t.partition, t.offset]));
      assert.deepEqual(skipped(w, committed, targets), []);
    }
  });

  test('exact matching needs identical key, value, headers and timestamps; checkpoints need only partition and order', () => {
    const w = world(true);
    const offered = (): Partial<PartitionEvidence> => ({
      checkpoint: { upstreamOffset: 20, downstreamOffset: 18 },
      matched: { offset: 20, proof: 'same record' },
    });
    const options: PlanOptions = {
      marginMs: 0,
      replicationLatencyMs: 0,
      fidelity: { ...MIRROR, headersPreserved: false },
    };
    const plan = makePlan([answer(w, evidence(w, [20, 20, 20], offered), options)], options);
    // No exact match with headers dropped; the checkpoint and the primary timestamp both apply, the higher wins.
    for (const t of plan.groups[0].partitions)
      assert.ok(['checkpoint', 'primary-timestamp'].includes(t.source), `p${t.partition}: ${t.source}`);
    assert.deepEqual(
      skipped(w, [20, 20, 20], new Map(plan.groups[0].partitions.map((t) => [t.partition, t.offset]))),
      [],
    );
    const full: PlanOptions = { ...options, fidelity: MIRROR };
    assert.deepEqual(
      makePlan([evidence(w, [20, 20, 20], offered)], full).groups[0].partitions.map((t) => t.source),
      ['matched', 'matched', 'matched'],
    );
  });

  test('unmeasured is the most pessimistic profile; without the primary only the operator time or the log start remain', () => {
    assert.deepEqual(effectiveProfile(undefined), UNMEASURED_PROFILE);
    assert.deepEqual(effectiveProfile({ ...MIRROR, measured: false }), UNMEASURED_PROFILE);
    const w = world(false);
    const g = evidence(w, [5, 5, 5]);
    const gone: GroupEvidence = { ...g, partitions: g.partitions.map(({ primary: _p, ...rest }) => rest) };
    const noOperator = makePlan([gone], { marginMs: 0, replicationLatencyMs: 0, fidelity: UNMEASURED_PROFILE });
    assert.deepEqual(
      noOperator.groups[0].partitions.map((t) => t.source),
      ['earliest', 'earliest', 'earliest'],
    );
    const options: PlanOptions = {
      marginMs: 0,
      replicationLatencyMs: 0,
      fidelity: UNMEASURED_PROFILE,
      operatorTimestamp: 100_100,
    };
    const withOperator = makePlan([answer(w, gone, options)], options);
    assert.deepEqual(
      withOperator.groups[0].partitions.map((t) => t.source),
      ['operator-timestamp', 'operator-timestamp', 'operator-timestamp'],
    );
  });

  test('the profile is part of the plan id; a plan without a profile keeps its old id', () => {
    const w = world(true);
    const g = answer(
      w,
      evidence(w, [20, 20, 20], () => ({ checkpoint: { upstreamOffset: 20, downstreamOffset: 20 } })),
      { marginMs: 0, replicationLatencyMs: 0 },
    );
    const legacy = makePlan([g], { marginMs: 0, replicationLatencyMs: 0 });
    const mirror = makePlan([g], { marginMs: 0, replicationLatencyMs: 0, fidelity: MIRROR });
    assert.equal(legacy.planId, planIdOf({ marginMs: legacy.marginMs, groups: legacy.groups }));
    assert.notEqual(mirror.planId, legacy.planId);
    assert.equal(mirror.planId, planIdOf(mirror));
  });
});

describe('fidelity profile from canary samples', () => {
  const sample = (
    seq: number,
    partition: number,
    arrived: Partial<NonNullable<FidelitySample['arrived']>> | null,
  ): FidelitySample => {
    const sent = {
      partition,
      key: seq % 2 ? `k${seq}` : null,
      value: `v${seq}`,
      timestamp: 1_000 + seq,
      headers: { h: String(seq) },
    };
    return { seq, sent, ...(arrived ? { arrived: { ...sent, offset: seq, ...arrived } } : {}) };
  };

  test('MirrorMaker 2 copies: everything kept', () => {
    const p = profileFromSamples(
      [0, 1, 2, 3].map((i) => sample(i, i % 2, {})),
      'run',
      5,
    );
    assert.deepEqual(
      { ...p, runId: undefined, measuredAt: undefined, samples: undefined },
      { ...MIRROR, runId: undefined, measuredAt: undefined, samples: undefined },
    );
  });

  test('re-produced copies: partition moved, time replaced, headers dropped; key and value kept', () => {
    const p = profileFromSamples(
      [0, 1, 2, 3].map((i) => sample(i, i % 2, { partition: (i + 1) % 2, timestamp: 9_999, headers: {} })),
      'run',
      5,
    );
    assert.deepEqual(
      [
        p.measured,
        p.partitionPreserved,
        p.orderPreserved,
        p.timestampPreserved,
        p.keyValueIdentical,
        p.headersPreserved,
      ],
      [true, false, false, false, true, false],
    );
  });

  test('order: a later record of a partition at a lower offset is not order-preserving', () => {
    const p = profileFromSamples([sample(0, 0, { offset: 5 }), sample(1, 0, { offset: 4 })], 'run', 5);
    assert.equal(p.partitionPreserved, true);
    assert.equal(p.orderPreserved, false);
  });

  test('a missing record or nothing at all leaves the profile unmeasured', () => {
    assert.deepEqual(profileFromSamples([sample(0, 0, {}), sample(1, 0, null)], 'run', 5), UNMEASURED_PROFILE);
    assert.deepEqual(profileFromSamples([], 'run', 5), UNMEASURED_PROFILE);
  });
});

describe('final plan against the approved one', () => {
  const plan = (fidelity: FidelityProfile): FailoverPlan => ({
    planId: 'p',
    pair: 'x',
    marginMs: 0,
    latencyMs: 0,
    primaryReachable: true,
    groups: [],
    totals: { groups: 0, partitions: 0, duplicateBound: 0, untranslated: 0, liveGroups: 0, sources: {} },
    fidelity: { ...fidelity, description: describeProfile(fidelity) },
  });

  test('a replicator now measured to preserve less needs a new approval; the same or more does not', () => {
    assert.deepEqual(comparePlans(plan(REPRODUCE), plan(REPRODUCE)), []);
    assert.deepEqual(comparePlans(plan(REPRODUCE), plan(MIRROR)), []);
    assert.match(
      comparePlans(plan(MIRROR), plan(REPRODUCE)).join(),
      /no longer shows partitionPreserved, orderPreserved, timestampPreserved, headersPreserved/,
    );
    assert.match(comparePlans(plan(MIRROR), plan(UNMEASURED_PROFILE)).join(), /measured/);
  });
});
