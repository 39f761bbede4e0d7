// drFailover's activities: assess both sides, plan every group's offsets on the secondary, reset them in
// batches (heartbeating which groups are done, so a retry after a crash applies the plan once), and guard
// against two failovers of one pair.
import { deadLetterRecords } from './dead-letter';
import { CancelledFailure, Context } from '@temporalio/activity';
import type { PairConfig } from '../src/config';
import {
  committedOffsetsMany,
  describeCluster,
  groupsOnTopics,
  listConsumerGroups,
  newestRecordTimestamp,
  openAdmin,
  partitionsOf,
  resetGroupOffsets,
  topicPartitionCounts,
  type AdminSession,
} from '../src/kafka/admin';
import { lastCanaryProfile, lastCanaryRun, runCanary } from '../src/kafka/canary';
import { readCheckpoints } from '../src/kafka/checkpoints';
import { gatherEvidence } from '../src/kafka/evidence';
import { readPositions } from '../src/kafka/positions';
import { readPage, storePages, type StoredPlanRef } from '../src/plan/store';
import { attachSnapshots } from '../src/kafka/snapshot-evidence';
import { assessFailover, type Assessment } from '../src/failover/assess';
import { ResetCancelled, resetBatch, type ResetBatchResult } from '../src/failover/reset';
import {
  INLINE_PLAN_BYTES,
  planFailoverOffsets,
  type PlanProgress,
  type PlanRequest,
} from '../src/failover/plan-offsets';
import { replicationFactorOf, type ActivityDeps } from './deps';
import { providerFor, replicationSpec } from './replication';
import { replicatedTopics, withAdmin, withProtocol } from './sessions';
import { type FailoverPlan, type GroupReset, type GroupTarget } from '../src/plan/model';

export type { Assessment, FailoverPlan, GroupReset, GroupTarget, PlanProgress, PlanRequest, ResetBatchResult };
export { INLINE_PLAN_BYTES };

export function failoverActivities(deps: ActivityDeps) {
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
        const side = (s: AdminSession) => ({
          replicatedTopics: () => replicatedTopics(s, pair),
          partitionCounts: (topics: string[]) => topicPartitionCounts(s, topics),
        });
        try {
          return await assessFailover({
            pair: pair.name,
            primaryCheck,
            primary: primary && side(primary),
            secondary: {
              ...side(secondary),
              describe: async () => {
                const d = await secondary.admin.describeCluster();
                return { brokers: d.brokers.length, clusterId: d.clusterId };
              },
              newestRecordTimestamp: (topics) => newestRecordTimestamp(secondary, topics),
              lastCanaryLatency: async () => (await lastCanaryRun(secondary, pair.replication.canaryTopic)).latencyMs,
            },
            connectorState: (topics) => providerFor(deps, pair).state(replicationSpec(pair, topics, deps.env)),
            runCanary: () =>
              runCanary(primary!.kafka, secondary, {
                runId: `assess-${Context.current().info.workflowExecution?.runId ?? Date.now()}`,
                topic: pair.replication.canaryTopic,
                count: 5,
                timeoutMs: Math.min(pair.replication.thresholds.canaryTimeoutMs, 20_000),
              }),
            thresholdMs: pair.replication.thresholds.maxLatencyMs,
          });
        } finally {
          await primary?.close();
        }
      });
    },

    /** The offset plan: for every selected group and partition it consumes, its target on the secondary. */
    async planOffsets(pair: PairConfig, o: PlanRequest): Promise<FailoverPlan> {
      const ctx = Context.current();
      const earlier = (ctx.info.heartbeatDetails as PlanProgress | undefined)?.result;
      if (earlier) return earlier;
      return withAdmin(deps, pair.secondary, 'plan-secondary', async (secondary) => {
        const primary = o.primaryReachable
          ? await openAdmin(deps.kafka(pair.primary, 'plan-primary')).catch(() => null)
          : null;
        try {
          return await planFailoverOffsets(
            {
              name: pair.name,
              groups: pair.groups,
              canaryTopic: pair.replication.canaryTopic,
              useCheckpoints: pair.replication.provider === 'kafka-connect',
            },
            o,
            {
              primary: primary && {
                listGroups: () => listConsumerGroups(primary),
                committedOffsets: async (groups, topics, onRead) =>
                  committedOffsetsMany(primary, groups, await partitionsOf(primary, topics), onRead),
              },
              secondary: {
                readCheckpoints: (topics, groups) => readCheckpoints(secondary, { topics, groups }),
                knownGroups: (topics) => secondaryGroups(pair, secondary, topics),
                readPositions: () => readPositions(secondary, pair.name),
                fidelity: () => lastCanaryProfile(secondary, pair.replication.canaryTopic),
                gatherEvidence: (g) => gatherEvidence({ ...g, primary, secondary }),
                attachSnapshots: (groups, read, plan) => attachSnapshots(secondary, groups, read, plan),
                deadLetter: () => deadLetterRecords(pair, secondary),
                storePages: (groups, maxBytes) =>
                  storePages(secondary, groups, maxBytes, { replicationFactor: replicationFactorOf(deps.env) }),
              },
              progress: (p) => ctx.heartbeat(p),
              now: () => Date.now(),
              inlineLimit: Number(deps.env.KDR_PLAN_INLINE_BYTES) || INLINE_PLAN_BYTES,
            },
          );
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
      return withProtocol(deps, pair.secondary, 'reset', async (secondary) => {
        try {
          return await resetBatch(
            batch,
            {
              previous,
              // Old offsets and members read first (batched), a group at its plan already is not committed again,
              // each other group committed once and read back (batched): src/kafka/admin/set-offsets.ts.
              reset: (plans, o) => resetGroupOffsets(secondary, plans, o),
              stopped: () => ctx.cancellationSignal.aborted,
              heartbeat: (done) => ctx.heartbeat({ done }),
              now: () => Date.now(),
            },
            options.concurrency,
          );
        } catch (err) {
          if (err instanceof ResetCancelled) throw new CancelledFailure(err.message);
          throw err;
        }
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
