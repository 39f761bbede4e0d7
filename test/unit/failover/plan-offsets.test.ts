// drFailover's plan service over fake clusters: which groups are planned (the selection narrowed on the primary,
// widened by checkpoints, the secondary's own groups and drWatch's snapshots when the primary is gone), what the
// approver is told about snapshots, and a plan too large for one payload going to the plan store.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planFailoverOffsets, type PlanPorts, type PlanProgress } from '../../../src/failover/plan-offsets';
import type { CheckpointsRead } from '../../../src/kafka/checkpoints';
import type { FidelityProfile } from '../../../src/kafka/fidelity';
import type { PositionsRead, StoredPosition } from '../../../src/kafka/positions';
import type { GroupEvidence } from '../../../src/plan/planner';

const MIRROR: FidelityProfile = {
  measured: true,
  partitionPreserved: true,
  orderPreserved: true,
  timestampPreserved: true,
  keyValueIdentical: true,
  headersPreserved: true,
};
const NOW = Date.parse('2026-12-07T03:00:00Z');
const PAIR = { name: 'p1', groups: { pattern: 'app-.*' }, canaryTopic: '__canary', useCheckpoints: true };

/** Every group gets a checkpoint at 40 on orders[0] (so the plan places it at 40, source checkpoint). */
function evidenceFor(groups: readonly string[]): GroupEvidence[] {
  return groups.map((group) => ({
    group,
    partitions: [
      {
        topic: 'orders',
        partition: 0,
        secondary: { earliest: 0, end: 100 },
        checkpoint: { upstreamOffset: 50, downstreamOffset: 40 },
      },
    ],
  }));
}

function checkpointsOf(groups: string[]): CheckpointsRead {
  const checkpoints = new Map(
    groups.map((group) => [
      `${group}/orders/0`,
      { group, topic: 'orders', partition: 0, upstreamOffset: 50, downstreamOffset: 40, metadata: '', emittedAt: 0 },
    ]),
  );
  return {
    topic: 'primary.checkpoints.internal',
    checkpoints,
    recordsRead: groups.length,
    undecodable: 0,
    exists: true,
  };
}

function fakes(over: { primary?: PlanPorts['primary']; inlineLimit?: number; positions?: PositionsRead } = {}) {
  const seen: {
    evidenceGroups?: readonly string[];
    commitsAsked?: string[];
    checkpointGroups?: unknown;
    secondaryListed?: boolean;
  } = {};
  const beats: PlanProgress[] = [];
  const stored: { groups: number; maxBytes: number }[] = [];
  const ports: PlanPorts = {
    primary:
      'primary' in over
        ? over.primary!
        : {
            listGroups: async () => ['app-a', 'app-b', 'other', 'kdr-watch-p1', 'app-idle'],
            committedOffsets: async (groups, topics, onRead) => {
              seen.commitsAsked = groups;
              assert.deepEqual(topics, ['orders'], 'the canary topic is consumed by no application group');
              onRead(groups.length);
              return new Map(
                groups.map((g) => [g, g === 'app-idle' ? [] : [{ topic: 'orders', partition: 0, offset: 50 }]]),
              );
            },
          },
    secondary: {
      readCheckpoints: async (_topics, groups) => {
        seen.checkpointGroups = groups;
        return checkpointsOf(['app-c']);
      },
      knownGroups: async () => {
        seen.secondaryListed = true;
        return ['app-d', 'connect-mm2'];
      },
      readPositions: async () => over.positions ?? { byGroup: new Map(), recordsRead: 0 },
      fidelity: async () => MIRROR,
      gatherEvidence: async (o) => {
        seen.evidenceGroups = o.groups;
        return { groups: evidenceFor(o.groups) };
      },
      attachSnapshots: async () => ({ positions: 2, lookups: 0, oldest: NOW - 90_000, newest: NOW - 60_000 }),
      deadLetter: async () => undefined,
      storePages: async (groups, maxBytes) => {
        stored.push({ groups: groups.length, maxBytes });
        return {
          topic: '__kdr_plans',
          partition: 0,
          sha256: 'f'.repeat(64),
          groups: groups.length,
          bytes: 1,
          pages: [
            { offset: 0, groups: 1, sha256: 'a'.repeat(64) },
            { offset: 1, groups: groups.length - 1, sha256: 'b'.repeat(64) },
          ],
        };
      },
    },
    progress: (p) => beats.push(p),
    now: () => NOW,
    inlineLimit: over.inlineLimit ?? 1024 * 1024,
  };
  return { ports, seen, beats, stored };
}

const REQUEST = { topics: ['orders', '__canary'], primaryReachable: true, latencyMs: 500 };

describe('planFailoverOffsets', () => {
  test("primary answers: its selected groups with commits, plus checkpointed ones; never kafka-dr's own", async () => {
    const { ports, seen, beats } = fakes();
    const plan = await planFailoverOffsets(PAIR, REQUEST, ports);
    // Commits are read only for groups the selection keeps (not "other", not kdr-watch-p1).
    assert.deepEqual(seen.commitsAsked, ['app-a', 'app-b', 'app-idle']);
    // app-idle has no commit: dropped; app-c is known from a checkpoint only.
    assert.deepEqual(seen.evidenceGroups, ['app-a', 'app-b', 'app-c']);
    assert.deepEqual(
      plan.groups.map((g) => [g.group, g.offsets]),
      ['app-a', 'app-b', 'app-c'].map((g) => [g, [['orders', 0, 40, 'checkpoint']]]),
    );
    assert.equal(plan.pair, 'p1');
    assert.equal(plan.primaryReachable, true);
    assert.equal(plan.marginMs, 1000);
    assert.equal(plan.fidelity?.measured, true);
    assert.equal(plan.snapshot, undefined);
    assert.equal(plan.stored, undefined);
    // The heartbeat says where it is, and at the end carries the result for a retried attempt.
    assert.ok(beats.some((b) => b.progress === 'primary commits: 3 / 3 groups'));
    assert.deepEqual(beats.at(-1)?.result, plan);
  });

  test("onlyGroups (a switchover's final plan) plans exactly those, without listing the clusters' groups", async () => {
    const { ports, seen } = fakes();
    const plan = await planFailoverOffsets(PAIR, { ...REQUEST, onlyGroups: ['app-b'] }, ports);
    assert.deepEqual(seen.commitsAsked, ['app-b']);
    assert.deepEqual(seen.checkpointGroups, ['app-b']);
    assert.deepEqual(
      plan.groups.map((g) => g.group),
      ['app-b'],
    );
  });

  test("primary down: the secondary's groups and drWatch's snapshots are planned, and the snapshot is described", async () => {
    const position = (group: string): [string, Map<string, StoredPosition>] => [
      group,
      new Map([
        ['orders:0', { pair: 'p1', group, topic: 'orders', partition: 0, takenAt: NOW - 60_000, committedOffset: 50 }],
      ]),
    ];
    const positions: PositionsRead = {
      byGroup: new Map([position('app-a'), position('app-e'), position('kdr-x')]),
      marker: { pair: 'p1', takenAt: NOW - 60_000, groups: 2, positions: 2, matched: 0 },
      recordsRead: 3,
    };
    const { ports, seen } = fakes({ primary: null, positions });
    const plan = await planFailoverOffsets(PAIR, { ...REQUEST, primaryReachable: false }, ports);
    assert.deepEqual(seen.evidenceGroups, ['app-a', 'app-c', 'app-d', 'app-e']);
    assert.equal(plan.primaryReachable, false);
    assert.deepEqual(plan.snapshot, {
      takenAt: NOW - 60_000,
      ageMs: 60_000,
      oldestPosition: NOW - 90_000,
      positions: 2,
      // app-a and app-e are known from snapshots only (kdr-x is kafka-dr's own, never planned).
      groupsOnlyInSnapshots: 2,
    });
  });

  test("primary down, the pair lists its groups: exactly those, without listing the secondary's groups", async () => {
    const { ports, seen } = fakes({ primary: null });
    const named = { ...PAIR, groups: ['app-a', 'app-b'], useCheckpoints: false };
    const plan = await planFailoverOffsets(named, { ...REQUEST, primaryReachable: false }, ports);
    assert.deepEqual(seen.evidenceGroups, ['app-a', 'app-b']);
    assert.deepEqual(
      plan.groups.map((g) => g.group),
      ['app-a', 'app-b'],
    );
    // A shared cluster or ApsaraMQ instance may hold thousands of groups, read in pages: none could be selected.
    assert.equal(seen.secondaryListed, undefined);
  });

  test('a plan larger than the inline limit goes to the plan store; the result carries its first page', async () => {
    const { ports, stored } = fakes({ inlineLimit: 200 });
    const plan = await planFailoverOffsets(PAIR, REQUEST, ports);
    assert.deepEqual(stored, [{ groups: 3, maxBytes: 200 }]);
    assert.equal(plan.groups.length, 1);
    assert.equal(plan.stored?.groups, 3);
    assert.equal(plan.totals.groups, 3, 'the totals cover every group, stored or not');
  });
});
