// drFailover's activities: assess both sides, plan every group's offsets on the secondary, reset them in
// batches (heartbeating which groups are done, so a retry after a crash applies the plan once), and guard
// against two failovers of one pair.
import { deadLetterRecords } from './dead-letter';
import { CancelledFailure, Context } from '@temporalio/activity';
import type { PairConfig, Selection } from '../src/config';
import { selectNames, selects } from '../src/config';
import {
  committedOffsetsMany,
  describeCluster,
  groupsOnTopics,
  isInternalGroup,
  listConsumerGroups,
  newestRecordTimestamp,
  openAdmin,
  partitionsOf,
  resetGroupOffsets,
  topicPartitionCounts,
  type AdminSession,
  type CommittedOffset,
} from '../src/kafka/admin';
import { lastCanaryProfile, lastCanaryRun, runCanary } from '../src/kafka/canary';
import { describeProfile } from '../src/kafka/fidelity';
import { readCheckpoints, type CheckpointsRead } from '../src/kafka/checkpoints';
import { gatherEvidence } from '../src/kafka/evidence';
import type { TailMatch } from '../src/kafka/match';
import type { PostSwitchEnd } from '../src/kafka/post-switch';
import { makePlan, type GroupEvidence } from '../src/plan/planner';
import { readPositions, type PositionsRead } from '../src/kafka/positions';
import { readPage, storePages, type StoredPlanRef } from '../src/plan/store';
import { attachSnapshots, type SnapshotsAttached } from '../src/kafka/snapshot-evidence';
import { replicationFactorOf, type ActivityDeps } from './deps';
import { permanent } from './failures';
import { providerFor, replicationSpec } from './replication';
import { replicatedTopics, withAdmin, withProtocol } from './sessions';
import { compactPlan } from '../src/plan/compact';
import { type FailoverPlan, type GroupReset, type GroupTarget } from '../src/plan/model';

export type { FailoverPlan, GroupReset, GroupTarget };

export interface Assessment {
  primaryReachable: boolean;
  primaryError?: string;
  secondary: { brokers: number; clusterId?: string };
  topics: string[];
  partitions: number;
  connector: { state: string; cause?: string };
  /** Newest record timestamp on the secondary over the replicated topics (epoch ms), null when empty. */
  newestReplicatedAt: number | null;
  /** The replication latency the plan's margin must cover, and where the figure comes from. */
  latency: { ms: number; source: 'canary' | 'canary-secondary' | 'threshold' };
}

/**
 * planOffsets's heartbeat: where it is, for `kdr status` ("primary commits: 6,200 / 10,000 groups"); once the
 * plan is made, the result itself, so an attempt retried after the plan was made (a lost completion, a worker
 * stopped) returns it instead of reading both clusters again.
 */
export interface PlanProgress {
  phase: string;
  groupsDone: number | null;
  groups: number;
  progress: string;
  elapsedMs: number;
  result?: FailoverPlan;
}

/** Plans whose JSON is larger go to the plan store (src/plan/store.ts); the worker's KDR_PLAN_INLINE_BYTES overrides. */
export const INLINE_PLAN_BYTES = 1024 * 1024;

export interface ResetBatchResult {
  done: GroupReset[];
  live: { group: string; members: number; state: string }[];
  failed: { group: string; error: string }[];
}

/** Keeps, per group, the topics it consumes (a commit on the primary or an MM2 checkpoint); all when unknown. */
function consumedOnly(groups: GroupEvidence[]): GroupEvidence[] {
  return groups.map((g) => {
    const consumed = new Set(
      g.partitions
        .filter((p) => (p.primary && p.primary.committedOffset >= 0) || p.checkpoint || p.snapshot)
        .map((p) => p.topic),
    );
    return consumed.size === 0 ? g : { ...g, partitions: g.partitions.filter((p) => consumed.has(p.topic)) };
  });
}

export function failoverActivities(deps: ActivityDeps) {
  async function topicsOf(pair: PairConfig, primary: AdminSession | null, secondary: AdminSession): Promise<string[]> {
    if (primary) return replicatedTopics(primary, pair);
    // Without the primary, the secondary's copies are the only list there is.
    return replicatedTopics(secondary, pair);
  }

  async function secondaryGroups(pair: PairConfig, secondary: AdminSession, topics: string[]): Promise<string[]> {
    const names = new Set((await groupsOnTopics(secondary, topics)).keys());
    if (pair.secondary.provider === 'apsaramq') {
      const declared = await deps
        .cloud()
        .alikafka(pair.secondary.region)
        .listConsumerGroups({ instanceId: pair.secondary.instanceId });
      for (const g of declared) names.add(g.ConsumerId);
    }
    return [...names];
  }

  return {
    /** Where things stand: a drill (primary answers) or an outage, and whether the secondary can take over. */
    async assess(pair: PairConfig): Promise<Assessment> {
      const primaryCheck = await describeCluster(deps.kafka(pair.primary, 'assess-primary'), 6000);
      return withAdmin(deps, pair.secondary, 'assess-secondary', async (secondary) => {
        const primary = primaryCheck.reachable
          ? await openAdmin(deps.kafka(pair.primary, 'assess-primary')).catch(() => null)
          : null;
        try {
          const topics = await topicsOf(pair, primary, secondary);
          const onSecondary = await topicPartitionCounts(secondary, topics);
          const missing = topics.filter((t) => !onSecondary.has(t));
          if (missing.length) {
            throw permanent(
              'SecondaryIncomplete',
              `the secondary lacks replicated topic(s) ${missing.join(', ')}: it cannot take over; run drSetup for pair ${pair.name} (or create them) first`,
            );
          }
          if (primary) {
            const onPrimary = await topicPartitionCounts(primary, topics);
            const differ = topics.filter((t) => onPrimary.has(t) && onPrimary.get(t) !== onSecondary.get(t));
            if (differ.length) {
              throw permanent(
                'PartitionCountMismatch',
                `partition counts differ for ${differ.map((t) => `${t} (primary ${onPrimary.get(t)}, secondary ${onSecondary.get(t)})`).join(', ')}: offsets cannot be mapped partition by partition`,
              );
            }
          }
          let connector: Assessment['connector'];
          try {
            const s = await providerFor(deps, pair).state(replicationSpec(pair, topics, deps.env));
            connector = { state: s.state, ...(s.cause ? { cause: s.cause } : {}) };
          } catch (err) {
            connector = { state: 'unknown', cause: (err as Error).message };
          }
          let latency: Assessment['latency'] = { ms: pair.replication.thresholds.maxLatencyMs, source: 'threshold' };
          if (primary && connector.state === 'running') {
            const canary = await runCanary(primary.kafka, secondary, {
              runId: `assess-${Context.current().info.workflowExecution?.runId ?? Date.now()}`,
              topic: pair.replication.canaryTopic,
              count: 5,
              timeoutMs: Math.min(pair.replication.thresholds.canaryTimeoutMs, 20_000),
            }).catch(() => undefined);
            if (canary?.latencyMs && canary.received === canary.produced)
              latency = { ms: canary.latencyMs.max, source: 'canary' };
          } else if (!primary) {
            // The primary is gone: the newest canary run on the secondary (drWatch runs one every few minutes)
            // still shows the stream's latency where the replicator stamps its append time.
            const last = await lastCanaryRun(secondary, pair.replication.canaryTopic).catch(() => undefined);
            if (last?.latencyMs !== null && last?.latencyMs !== undefined)
              latency = { ms: last.latencyMs, source: 'canary-secondary' };
          }
          const described = await secondary.admin.describeCluster();
          return {
            primaryReachable: primary !== null,
            ...(primaryCheck.error ? { primaryError: primaryCheck.error } : {}),
            secondary: { brokers: described.brokers.length, clusterId: described.clusterId },
            topics,
            partitions: [...onSecondary.values()].reduce((a, b) => a + b, 0),
            connector,
            newestReplicatedAt: await newestRecordTimestamp(secondary, topics),
            latency,
          };
        } finally {
          await primary?.close();
        }
      });
    },

    /** The offset plan: for every selected group and partition it consumes, its target on the secondary. */
    async planOffsets(
      pair: PairConfig,
      o: {
        topics: string[];
        groups?: Selection;
        primaryReachable: boolean;
        latencyMs: number;
        marginMs?: number;
        operatorTimestamp?: number;
        /** Only these groups (the approved plan's), e.g. for the final plan of a switchover. */
        onlyGroups?: string[];
        /** Where the copy of each partition's last primary record is (a drained switchover): exact bounds. */
        tails?: TailMatch[];
        /** Where, per secondary partition, the applications' own post-switch records begin and the copies end (a drained switchover). */
        postSwitch?: PostSwitchEnd[];
      },
    ): Promise<FailoverPlan> {
      const selection = o.groups ?? pair.groups;
      const ctx = Context.current();
      const earlier = (ctx.info.heartbeatDetails as PlanProgress | undefined)?.result;
      if (earlier) return earlier;
      const started = Date.now();
      let total = 0;
      const beat = (phase: string, done?: number) => {
        const progress =
          done === undefined
            ? phase
            : `${phase}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} groups`;
        ctx.heartbeat({
          phase,
          groupsDone: done ?? null,
          groups: total,
          progress,
          elapsedMs: Date.now() - started,
        } satisfies PlanProgress);
      };
      return withAdmin(deps, pair.secondary, 'plan-secondary', async (secondary) => {
        const primary = o.primaryReachable
          ? await openAdmin(deps.kafka(pair.primary, 'plan-primary')).catch(() => null)
          : null;
        try {
          beat('listing groups');
          const wanted = (g: string) => !isInternalGroup(g) && selects(selection, g);
          const candidates = new Set<string>(o.onlyGroups ?? (Array.isArray(selection) ? selection : []));
          // The primary's groups, narrowed to the selection before their commits are read (a shared cluster has
          // many more groups than a pair selects); the commits read here are the plan's evidence too.
          let primaryCommitted: Map<string, CommittedOffset[]> | undefined;
          if (primary) {
            const listed = o.onlyGroups
              ? []
              : selectNames(
                  selection,
                  (await listConsumerGroups(primary)).filter((g) => !isInternalGroup(g)),
                );
            const ask = [...new Set([...candidates, ...listed])].filter(wanted);
            total = ask.length;
            const parts = await partitionsOf(
              primary,
              o.topics.filter((t) => t !== pair.replication.canaryTopic),
            );
            let read = 0;
            primaryCommitted = await committedOffsetsMany(primary, ask, parts, (n) =>
              beat('primary commits', (read += n)),
            );
            for (const [g, c] of primaryCommitted) if (c.length > 0 || candidates.has(g)) candidates.add(g);
          }
          const useCheckpoints = pair.replication.provider === 'kafka-connect';
          let checkpoints: CheckpointsRead | undefined;
          if (useCheckpoints) {
            beat('MirrorMaker 2 checkpoints');
            // Read once: every group's checkpoints, kept for the evidence below.
            checkpoints = await readCheckpoints(secondary, { topics: o.topics, groups: o.onlyGroups ?? wanted });
            if (!o.onlyGroups) for (const c of checkpoints.checkpoints.values()) candidates.add(c.group);
          }
          // No group is dropped silently: without the primary, the secondary still knows some groups (groups with
          // commits on the pair's topics there; ApsaraMQ keeps the groups drSetup declared). A group with no evidence is planned at earliest and
          // listed as untranslated, which the approver sees, rather than left to its auto.offset.reset.
          if (!primary && !o.onlyGroups)
            for (const g of await secondaryGroups(pair, secondary, o.topics)) candidates.add(g);
          // drWatch's positions, stored on the secondary: the primary's view of every group, as of the last snapshot.
          const positions: PositionsRead | undefined = primary ? undefined : await readPositions(secondary, pair.name);
          const onlyInSnapshots = new Set<string>();
          if (positions && !o.onlyGroups)
            for (const g of positions.byGroup.keys())
              if (!candidates.has(g)) {
                candidates.add(g);
                onlyInSnapshots.add(g);
              }
          const groups = [...candidates].filter(wanted).sort();
          total = groups.length;
          // What the replicator preserves, from the newest complete canary run on the secondary (assess runs one
          // when the primary answers; drSetup's otherwise); none found = preserves nothing (group-wide sources only).
          const fidelity = await lastCanaryProfile(secondary, pair.replication.canaryTopic);
          const planOptions = {
            marginMs: o.marginMs ?? 1_000,
            replicationLatencyMs: o.latencyMs,
            operatorTimestamp: o.operatorTimestamp,
            fidelity,
          };
          // kafka-dr's own canary topic is replicated but consumed by no application group.
          const appTopics = o.topics.filter((t) => t !== pair.replication.canaryTopic);
          const evidence = await gatherEvidence({
            groups,
            topics: appTopics,
            primary,
            secondary,
            useCheckpoints,
            plan: planOptions,
            exact: { ...(o.tails ? { tails: o.tails } : {}) },
            ...(o.postSwitch ? { postSwitch: o.postSwitch } : {}),
            ...(checkpoints ? { checkpoints } : {}),
            ...(primaryCommitted ? { primaryCommitted } : {}),
            progress: beat,
          });
          const attached: SnapshotsAttached | undefined = positions
            ? await attachSnapshots(secondary, evidence.groups, positions, planOptions)
            : undefined;
          beat('planning', 0);
          const plan = makePlan(consumedOnly(evidence.groups), planOptions);
          beat('planned', groups.length);
          const deadLetter = await deadLetterRecords(pair, secondary).catch(() => undefined);
          const compact = compactPlan(plan, {
            pair: pair.name,
            ...(deadLetter ? { deadLetter } : {}),
            latencyMs: o.latencyMs,
            fidelity: { ...fidelity, description: describeProfile(fidelity) },
            primaryReachable: primary !== null,
            ...(positions && attached
              ? {
                  snapshot: {
                    takenAt: positions.marker?.takenAt ?? attached.newest,
                    ageMs: positions.marker ? Math.max(0, Date.now() - positions.marker.takenAt) : null,
                    oldestPosition: attached.oldest,
                    positions: attached.positions,
                    groupsOnlyInSnapshots: [...onlyInSnapshots].filter(
                      (g) => selects(selection, g) && !isInternalGroup(g),
                    ).length,
                  },
                }
              : {}),
          });
          const limit = Number(deps.env.KDR_PLAN_INLINE_BYTES) || INLINE_PLAN_BYTES;
          let result: FailoverPlan = compact;
          if (Buffer.byteLength(JSON.stringify(compact)) > limit) {
            beat('storing the plan on the secondary', groups.length);
            const stored = await storePages(secondary, compact.groups, Math.min(limit, 512 * 1024), {
              replicationFactor: replicationFactorOf(deps.env),
            });
            result = { ...compact, groups: compact.groups.slice(0, stored.pages[0].groups), stored };
          }
          ctx.heartbeat({
            phase: 'planned',
            groupsDone: groups.length,
            groups: total,
            progress: `planned ${groups.length} groups`,
            elapsedMs: Date.now() - started,
            result,
          } satisfies PlanProgress);
          return result;
        } finally {
          await primary?.close();
        }
      });
    },

    /** One page of a stored plan (FailoverPlan.stored), read back from the secondary and checked against its hash. */
    async readPlanPage(pair: PairConfig, ref: StoredPlanRef, index: number): Promise<GroupTarget[]> {
      return withAdmin(deps, pair.secondary, 'plan-page', (secondary) => readPage<GroupTarget>(secondary, ref, index));
    },

    /**
     * Applies the plan to a batch of groups on the secondary: per group, refuse if it has live members, commit
     * the planned offsets, read them back and compare. Each group is heartbeated as soon as it is done, and a
     * group already at its planned offsets is not committed again: an attempt after a worker crash commits
     * only the groups the crashed attempt had not reached, so each group is committed once.
     */
    async resetGroups(
      pair: PairConfig,
      batch: GroupTarget[],
      options: { concurrency?: number } = {},
    ): Promise<ResetBatchResult> {
      const ctx = Context.current();
      const previous = (ctx.info.heartbeatDetails as { done?: GroupReset[] } | undefined)?.done ?? [];
      const already = new Set(previous.map((d) => d.group));
      const todo = batch.filter((g) => !already.has(g.group));
      return withProtocol(deps, pair.secondary, 'reset', async (secondary) => {
        const done: GroupReset[] = [...previous.filter((d) => batch.some((g) => g.group === d.group))];
        const plans = todo.map((g) => ({
          group: g.group,
          offsets: g.offsets.map(([topic, partition, offset]): CommittedOffset => ({ topic, partition, offset })),
        }));
        let lastBeat = 0;
        // Old offsets and members read first (batched), a group at its plan already is not committed again, each
        // other group committed once and read back (batched): src/kafka/admin/set-offsets.ts.
        const result = await resetGroupOffsets(secondary, plans, {
          concurrency: options.concurrency ?? 32,
          stopped: () => ctx.cancellationSignal.aborted,
          onReset: (reset) => {
            done.push(reset);
            // At most every 500 ms: each heartbeat serializes every group done so far (250 groups, ~100 KB), and
            // one per group kept the worker busy encoding. A group committed after the last heartbeat is found
            // at its planned offsets by a retry and not committed again (its report then shows no change).
            if (Date.now() - lastBeat >= 500) {
              lastBeat = Date.now();
              ctx.heartbeat({ done });
            }
          },
        });
        ctx.heartbeat({ done });
        // Stopped half-way by a cancellation (worker shutdown, run cancelled): this is not a result.
        if (ctx.cancellationSignal.aborted)
          throw new CancelledFailure(`reset cancelled after ${done.length}/${batch.length} groups`);
        // A broker restarting under the reset fails every group it was committing with a connection error; reported
        // as failed groups they blocked the step for an operator. The activity retries instead, from the heartbeat:
        // groups done are not touched, and a group whose commit landed before the broker died is found at its plan.
        const transient = result.failed.filter((f) => transientKafkaError(f.error));
        if (transient.length) {
          throw new Error(
            `${transient.length} group(s) hit a transient broker error (${transient[0].group}: ${transient[0].error.message}); ` +
              `${done.length}/${batch.length} groups done, the retry resets the rest`,
          );
        }
        return {
          done,
          live: result.live.map((e) => ({ group: e.group, members: e.members, state: e.state })),
          failed: result.failed.map((f) => ({ group: f.group, error: f.error.message })),
        };
      });
    },

    /** Other running drFailover runs of the same pair (visibility), so a second failover is refused. */
    async otherFailovers(pair: string): Promise<string[]> {
      const ctx = Context.current();
      const own = ctx.info.workflowExecution?.workflowId;
      const ids: string[] = [];
      const query = `WorkflowType = 'drFailover' AND ExecutionStatus = 'Running' AND DrPair = '${pair.replace(/'/g, '')}'`;
      for await (const w of ctx.client.workflow.list({ query })) if (w.workflowId !== own) ids.push(w.workflowId);
      return ids;
    },
  };
}

const TRANSIENT_TYPES = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'LEADER_NOT_AVAILABLE',
]);

/**
 * A broker that is away or busy (connection refused or lost, a coordinator moving or loading), as opposed to an
 * answer about the group (authorization, an unknown topic, a read-back that differs), which a retry would not
 * change. kafkajs wraps its last error when it gives up (KafkaJSNumberOfRetriesExceeded), so the causes count.
 */
function transientKafkaError(err: unknown): boolean {
  for (
    let e = err as { name?: string; type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (
      e.name === 'KafkaJSConnectionError' ||
      e.name === 'KafkaJSRequestTimeoutError' ||
      e.name === 'ClusterUnreachableError'
    )
      return true;
    if (e.type && TRANSIENT_TYPES.has(e.type)) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}
