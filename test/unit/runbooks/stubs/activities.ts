// Stub activities for the runbook tests: plain functions typed against the real activity interface (KdrActivities),
// so an activity whose signature or result changes breaks these tests at tsc time. They answer with plausible
// evidence from a small in-memory "world" (where the CNAME points, what the plan holds, which connector runs) that
// each test shapes, and record every call in order, so a test asserts what was changed and when. No stub opens a
// socket; the pairs they serve name endpoints nobody listens on (stubs/pair.ts).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps, KdrActivities } from '../../../../activities';
import { autoFailoverActivities } from '../../../../activities/auto-failover';
import type { FailureType } from '../../../../src/errors';
import type { PairConfig } from '../../../../src/config';
import type { FidelityProfile } from '../../../../src/kafka/fidelity';
import type { FailoverPlan, GroupTarget } from '../../../../src/plan/model';

/** Any subset of the worker's activities, each with its real signature. */
export type Stubs = Partial<KdrActivities>;
type Result<K extends keyof KdrActivities> = Awaited<ReturnType<KdrActivities[K]>>;

/** A non-retryable business failure of one of the real failure types (src/errors.ts): the step blocks at once. */
export function failure(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

export const FULL_FIDELITY: FidelityProfile = {
  measured: true,
  partitionPreserved: true,
  orderPreserved: true,
  timestampPreserved: true,
  keyValueIdentical: true,
  headersPreserved: true,
  runId: 'canary-1',
  measuredAt: 1_700_000_000_000,
  samples: 20,
};

export interface World {
  /** Where the custom domain's CNAME points now (null: no record yet). */
  cname: string | null;
  /** Forward replication's state; reverse replication's (drFailback). */
  forward: Result<'replicationState'>['state'];
  reverse: Result<'replicationState'>['state'];
  /** Every activity call in order, with the first argument that tells calls apart (a target, a group list ...). */
  calls: { name: string; detail?: string }[];
}

export function newWorld(pair: PairConfig): World {
  return { cname: pair.primary.endpointHost, forward: 'running', reverse: 'absent', calls: [] };
}

/** The names of the calls made so far, in order. */
export const called = (world: World) => world.calls.map((c) => c.name);
export const callsOf = (world: World, name: string) => world.calls.filter((c) => c.name === name);

/** One consumer group of the plan: two partitions of `orders`, re-reading at most `bound` records. */
export function group(name: string, bound: number, offset = 100): GroupTarget {
  return {
    group: name,
    duplicateBound: bound,
    liveMembers: 0,
    offsets: [
      ['orders', 0, offset, 'checkpoint'],
      ['orders', 1, offset + 1, 'checkpoint'],
    ],
    untranslated: [],
  };
}

/** A plan as the plan activity returns it (before the workflow seals it). */
export function plan(pairName: string, groups: GroupTarget[], offsetsId = 'offsets-a'): FailoverPlan {
  return {
    planId: offsetsId,
    pair: pairName,
    marginMs: 1_000,
    latencyMs: 200,
    primaryReachable: true,
    fidelity: { ...FULL_FIDELITY, description: 'all kept' },
    totals: {
      groups: groups.length,
      partitions: groups.reduce((n, g) => n + g.offsets.length, 0),
      duplicateBound: groups.reduce((n, g) => n + g.duplicateBound, 0),
      untranslated: 0,
      liveGroups: 0,
      sources: { checkpoint: groups.reduce((n, g) => n + g.offsets.length, 0) },
    },
    groups,
  };
}

/**
 * Stubs for every activity the runbooks call, answering "all is well" from `world`; a test overrides the few it
 * steers. Each call is recorded before the stub (or its override) runs.
 */
export function worldStubs(pair: PairConfig, world: World, overrides: Stubs = {}): Stubs {
  const base: Stubs = {
    async resolvePair(name) {
      if (name !== pair.name) throw failure('UnknownPair', `no pair ${name} in the stub's pairs file`);
      return pair;
    },
    async otherFailovers() {
      return [];
    },
    async reportRunEvent() {
      return { sent: [], failed: [] };
    },
    async reportHealthChange() {
      return { sent: ['ops-pager'], failed: [] };
    },
    async readCname() {
      return { domain: `${pair.dns.rr}.${pair.dns.domain}`, target: world.cname, ttl: pair.dns.ttl };
    },
    async reverseReplicationState() {
      return { id: `kdr-${pair.name}-reverse-mm2-source`, state: world.reverse };
    },
    async checkClusters() {
      return {
        primary: { reachable: true, brokers: 1, clusterId: 'p' },
        secondary: { reachable: true, brokers: 1, clusterId: 's' },
      };
    },
    async prepareSecondary() {
      return {
        topics: ['orders'],
        createdTopics: ['orders'],
        createdGroups: [],
        partitions: 2,
        groups: { selected: 2, sample: ['billing', 'shipping'], undeclared: [] },
      };
    },
    async ensureReplication() {
      world.forward = 'running';
      return { id: `kdr-${pair.name}-mm2-source`, created: true, updated: false };
    },
    async replicationState(p) {
      const reverse = p.name !== pair.name;
      return { id: `kdr-${p.name}-mm2-source`, state: reverse ? world.reverse : world.forward, tasks: [] };
    },
    async pauseReplication(p) {
      if (p.name === pair.name) world.forward = 'paused';
      return { id: `kdr-${p.name}-mm2-source`, state: 'paused' };
    },
    async runCanary(p, runId) {
      return {
        runId,
        topic: p.replication.canaryTopic,
        produced: 10,
        received: 10,
        missing: [],
        latencyMs: { p50: 40, max: 90, min: 20 },
        timestampsPreserved: true,
        fidelity: FULL_FIDELITY,
        fidelitySummary: 'all kept',
        elapsedMs: 300,
      };
    },
    async replicationLag() {
      return { caughtUp: true, totalLag: 0, worst: [] };
    },
    async ensureCname(_p, target) {
      const before = world.cname;
      world.cname = target;
      const action =
        before === target ? ('unchanged' as const) : before === null ? ('added' as const) : ('updated' as const);
      return {
        domain: `${pair.dns.rr}.${pair.dns.domain}`,
        recordId: 'rec-1',
        before,
        after: target,
        ttl: pair.dns.ttl,
        action,
        records: [{ recordId: 'rec-1', line: 'default', before, action }],
      };
    },
    async queryResolvers() {
      return pair.dns.resolvers.map((resolver) => ({ resolver, target: world.cname }));
    },
    async assess() {
      return {
        primaryReachable: true,
        secondary: { brokers: 1 },
        topics: ['orders'],
        partitions: 2,
        connector: { state: world.forward },
        newestReplicatedAt: 1_700_000_000_000,
        latency: { ms: 200, source: 'canary' },
      };
    },
    async planOffsets(p) {
      return plan(p.name, [group('billing', 5), group('shipping', 3)]);
    },
    async secondaryEnds() {
      return [
        ['orders', 0, 50],
        ['orders', 1, 60],
      ];
    },
    async resetGroups(_p, batch) {
      return {
        done: batch.map((g) => ({
          group: g.group,
          changes: g.offsets.map(([t, n, o]): [string, number, number, number] => [t, n, 0, o]),
        })),
        live: [],
        failed: [],
      };
    },
    async primaryQuiet(_p, _t, _g, windowMs) {
      return { quiet: true, windowMs, moving: [], movedRecords: 0, groupsWithMembers: [] };
    },
    async replicationComplete() {
      return {
        complete: true,
        provable: true,
        missing: [],
        tails: [],
        postSwitch: [
          ['orders', 0, 55, 55],
          ['orders', 1, 60, 62],
        ],
        notes: ['exact by identity'],
      };
    },
    async guardGroups() {
      return { checks: 3, suspicious: [] };
    },
    async assessFailback() {
      return {
        topics: ['orders'],
        canaryTopic: pair.replication.canaryTopic,
        fidelity: FULL_FIDELITY,
        fidelitySummary: 'all kept',
        tails: [
          {
            topic: 'orders',
            partition: 0,
            ranges: [[40, 43]],
            records: 3,
            firstAt: 1_700_000_000_000,
            lastAt: 1_700_000_001_000,
            writtenOnSecondary: 7,
            writtenFirstAt: 1_700_000_002_000,
            writtenLastAt: 1_700_000_003_000,
          },
        ],
        primaryEnds: [
          ['orders', 0, 43],
          ['orders', 1, 20],
        ],
        groups: { oldPrimary: ['billing'], secondary: ['billing', 'shipping'] },
        reprotected: world.reverse !== 'absent',
      };
    },
    async exportTail(_p, tails, o) {
      return tails
        .filter((t) => t.records > 0)
        .map((t) => ({
          topic: t.topic,
          exportTopic: `${t.topic}${o.exportSuffix}`,
          expected: t.records,
          alreadyThere: 0,
          written: o.verifyOnly ? 0 : t.records,
          verified: t.records,
          missing: [],
        }));
    },
    async clearOldPrimary(_p, ends) {
      return { cleared: ends, alreadyClear: 0 };
    },
    async ensureReverseReplication() {
      world.reverse = 'running';
      return { id: `kdr-${pair.name}-reverse-mm2-source`, created: true, updated: false };
    },
    async activeEnds() {
      return [['orders', 0, 50, 1_700_000_003_000]];
    },
    async reverseCaughtUp() {
      return { partitions: 1, missing: [] };
    },
    async oldPrimaryEnds() {
      return {
        topics: ['orders'],
        ends: [
          ['orders', 0, 43],
          ['orders', 1, 20],
        ],
      };
    },
    async restoreForward() {
      world.reverse = 'absent';
      world.forward = 'running';
      return {
        topics: ['orders', pair.replication.canaryTopic],
        reverse: { id: `kdr-${pair.name}-reverse-mm2-source`, removed: true },
        starts: [
          ['orders', 0, 43],
          ['orders', 1, 20],
        ],
        recopied: 2,
        written: 5,
        notes: [],
      };
    },
    async checkParity(_p, direction = 'forward', target) {
      return {
        direction,
        target: target ?? (direction === 'forward' ? 'secondary' : 'primary'),
        checked: true,
        total: 0,
        gaps: [],
        refused: [],
        counts: { user: 0, acl: 0, 'topic-config': 0, 'topic-partitions': 0, instance: 0 },
        summary: 'users, ACLs and topic configs match',
      };
    },
    async syncParity(p, direction = 'forward') {
      const after = await base.checkParity!(p, direction);
      return { direction, applied: [], failed: [], byMirrorMaker: [], after };
    },
    async searchAttributesMissing() {
      return [];
    },
    async probePrimary(_p, o) {
      return { probe: o?.via === 'remote' ? 'remote' : 'kafka', verdict: 'up', at: Date.now() };
    },
    async probeCloud() {
      return { probe: 'cloud', verdict: 'up', at: Date.now() };
    },
    async autoFailoverSituation(p) {
      return world.cname === p.secondary.endpointHost
        ? { situation: 'failed-over', detail: `points at ${world.cname}` }
        : { situation: 'protected', detail: `points at ${world.cname}` };
    },
    // The real check (pairs file, parent is a running drWatch) against a pairs file holding only this pair.
    autoFailoverPolicy: autoFailoverActivities({ pairs: () => new Map([[pair.name, pair]]) } as unknown as ActivityDeps)
      .autoFailoverPolicy,
    async reportAutoFailover() {
      return { sent: [], failed: [] };
    },
    async watchTick(_p, o) {
      return {
        at: Date.now(),
        health: 'healthy',
        reasons: [],
        primaryReachable: true,
        connector: { state: 'running' },
        lag: { total: 0, caughtUp: true },
        newestReplicatedAt: 1_700_000_000_000,
        rpoMs: 0,
        ...(o.canary ? { canary: { produced: 10, received: 10, latencyMaxMs: 80 } } : {}),
        exact: true,
        elapsedMs: 5,
      };
    },
  };
  for (const name of Object.keys(overrides)) {
    if (!(name in base)) throw new Error(`stub ${name}: add it to worldStubs first (the worker registers only those)`);
  }
  const all = { ...base, ...overrides } as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const recorded: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(all)) {
    recorded[name] = (...args: unknown[]) => {
      world.calls.push({ name, detail: detailOf(name, args) });
      return fn(...args);
    };
  }
  return recorded as Stubs;
}

/** Every activity the stubs answer (the worker registers these; a test overrides only among them). */
export const ACTIVITY_NAMES = Object.keys(
  worldStubs({ name: '-', primary: {}, dns: {}, replication: {} } as unknown as PairConfig, {
    cname: null,
    forward: 'running',
    reverse: 'absent',
    calls: [],
  }),
) as (keyof KdrActivities)[];

/** The worker's activities: each call goes to the stubs that `stubsOf` names for the calling workflow. */
export function routed(
  names: string[],
  stubsOf: (workflowId: string) => Stubs,
): Record<string, (...args: unknown[]) => Promise<unknown>> {
  return Object.fromEntries(
    names.map((name) => [
      name,
      (...args: unknown[]) => {
        const stubs = stubsOf(Context.current().info.workflowExecution?.workflowId ?? '') as Record<
          string,
          (...a: unknown[]) => Promise<unknown>
        >;
        const fn = stubs[name];
        if (!fn) throw ApplicationFailure.nonRetryable(`no stub for activity ${name}`, 'NotReady');
        return fn(...args);
      },
    ]),
  );
}

/** What tells two calls of the same activity apart in an assertion: the CNAME target, the groups reset ... */
function detailOf(name: string, args: unknown[]): string | undefined {
  const [first, second] = args as [{ name?: string } | undefined, unknown];
  if (name === 'ensureCname') return String(second);
  if (name === 'resetGroups') return (second as GroupTarget[]).map((g) => `${g.group}@${g.offsets[0][2]}`).join(',');
  if (name === 'reportAutoFailover') return (first as unknown as { event: string }).event;
  if (name === 'planOffsets') return JSON.stringify((second as { onlyGroups?: string[] }).onlyGroups ?? null);
  return first && typeof first === 'object' && 'name' in first ? first.name : undefined;
}
