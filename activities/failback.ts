// drFailback's activities: assess what the old primary holds that the secondary never received, preserve it on
// the active side, and clear the old primary so reverse replication can make it a clean replica. The tail's
// records never go into history: activities pass [from, to) offset ranges and re-read the records themselves.
import type { PairConfig } from '../src/config';
import { producerToTarget } from '../src/connectors/reverse-mirror';
import type { EnsureResult } from '../src/connectors/types';
import { describeCluster, groupsOnTopics, partitionOffsets, tpKey, type AdminSession } from '../src/kafka/admin';
import { lastCanaryProfile } from '../src/kafka/canary';
import { matchTails } from '../src/kafka/match';
import { describeProfile, effectiveProfile, supportsExactMatch, type FidelityProfile } from '../src/kafka/fidelity';
import { copyIdentity, postSwitchRegion } from '../src/kafka/post-switch';
import { readRange } from '../src/kafka/protocol';
import { DEFAULT_TAIL_SCAN_LIMIT, TailUnprovableError, unreplicatedTails, type PartitionTail } from '../src/kafka/tail';
import { exportTails, type TopicExport } from '../src/kafka/tail-export';
import type { ActivityDeps } from './deps';
import { permanent } from './failures';
import { providerFor, replicationSpec } from './replication';
import { replicatedTopics, withAdmin, withBoth } from './sessions';
import { reversedPair } from '../src/config/reverse-pair';
import { removeWithPositions, startReplicationAt } from '../src/failback/replication';
import { restoreForward, type ForwardRestore } from '../src/failback/restore';

export type { ForwardRestore, PartitionTail, TopicExport };

export interface FailbackAssessment {
  /** Application topics to fail back (replicated, without kafka-dr's canary and export topics). */
  topics: string[];
  canaryTopic: string;
  fidelity: FidelityProfile;
  fidelitySummary: string;
  /** Only partitions with a tail or with records written on the secondary: a compact history. */
  tails: PartitionTail[];
  /** Every replicated partition's log end on the old primary when assessed: what re-protect may delete, at most. */
  primaryEnds: [string, number, number][];
  groups: { oldPrimary: string[]; secondary: string[] };
  /** Reverse replication already exists (an earlier run re-protected the pair). */
  reprotected: boolean;
}

export interface ClearResult {
  /** [topic, partition, deletedUpTo] */
  cleared: [string, number, number][];
  alreadyClear: number;
}

const isKdrGroup = (g: string) => g.startsWith('kdr-') || g.startsWith('connect-');

export function failbackActivities(deps: ActivityDeps) {
  async function applicationTopics(oldPrimary: AdminSession, pair: PairConfig, suffix: string): Promise<string[]> {
    return (await replicatedTopics(oldPrimary, pair)).filter(
      (t) => t !== pair.replication.canaryTopic && !t.endsWith(suffix),
    );
  }

  return {
    /** The application topics, and [topic, partition, end] of each partition on the old primary: where the switch-back's new records start, at the earliest. */
    async oldPrimaryEnds(
      pair: PairConfig,
      options: { exportSuffix: string },
    ): Promise<{ topics: string[]; ends: [string, number, number][] }> {
      return withAdmin(deps, pair.primary, 'failback-ends', async (s) => {
        const topics = await applicationTopics(s, pair, options.exportSuffix);
        return {
          topics,
          ends: (await partitionOffsets(s, topics)).map((p): [string, number, number] => [p.topic, p.partition, p.end]),
        };
      });
    },

    /**
     * After the switch-back: the reverse replication removed with its stored positions, then forward replication
     * started again where the old primary's logs stop holding copies of the secondary's records
     * (src/failback/restore.ts).
     */
    async restoreForward(
      pair: PairConfig,
      options: { exportSuffix: string; preSwitchEnds: [string, number, number][] | null },
    ): Promise<ForwardRestore> {
      const reverse = reversedPair(pair);
      const canary = pair.replication.canaryTopic;
      return restoreForward(
        {
          canaryTopic: canary,
          applicationTopics: () =>
            withAdmin(deps, pair.primary, 'failback-topics', (s) => applicationTopics(s, pair, options.exportSuffix)),
          reverseState: (topics) => providerFor(deps, reverse).state(replicationSpec(reverse, topics, deps.env)),
          canaryProfile: () => withAdmin(deps, pair.primary, 'failback-profile', (s) => lastCanaryProfile(s, canary)),
          // The reverse streams' group on the old secondary keeps its positions: a stream created again would resume there.
          removeReverse: (topics) =>
            removeWithPositions(providerFor(deps, reverse), replicationSpec(reverse, topics, deps.env), (group) =>
              withAdmin(deps, pair.secondary, 'failback-reverse-group', async (s) => {
                await s.admin.deleteGroups([group]).catch(() => undefined);
              }),
            ),
          forwardState: (topics) => providerFor(deps, pair).state(replicationSpec(pair, topics, deps.env)),
          withSides: (fn) =>
            withBoth(deps, pair, 'failback-forward', ({ primary, secondary }) =>
              fn({
                primaryOffsets: (topics) => partitionOffsets(primary, topics),
                // The old primary holds the reverse copies: it plays the replica, the secondary the source.
                region: (application, pre, profile) =>
                  postSwitchRegion(secondary, primary, application, pre, profile, { checkTails: false }),
                startForwardAt: (topics, starts) =>
                  startReplicationAt(
                    providerFor(deps, pair),
                    replicationSpec(pair, topics, deps.env),
                    primary,
                    topics,
                    starts,
                  ),
              }),
            ),
        },
        options.preSwitchEnds,
      );
    },

    /**
     * Whether the pair replicates in reverse (re-protected, or switching back): drSetup must then change nothing. An
     * answer it cannot get (Connect or the cloud API down) is "unknown", which does not hold drSetup up.
     */
    async reverseReplicationState(pair: PairConfig): Promise<{ id: string; state: string }> {
      const reverse = reversedPair(pair);
      try {
        const topics = await withAdmin(deps, pair.secondary, 'failback-reverse-state', (s) =>
          replicatedTopics(s, pair),
        ).catch(() => (Array.isArray(pair.replication.topics) ? pair.replication.topics : []));
        const state = await providerFor(deps, reverse).state(
          replicationSpec(reverse, [...topics, pair.replication.canaryTopic], deps.env),
        );
        return { id: state.id, state: state.state };
      } catch (err) {
        return { id: reverse.name, state: `unknown (${(err as Error).message.slice(0, 200)})` };
      }
    },

    /** The old primary must answer; then per partition its unreplicated tail, and what the secondary got since. */
    async assessFailback(
      pair: PairConfig,
      options: { exportSuffix: string; scanLimit?: number },
    ): Promise<FailbackAssessment> {
      const seen = await describeCluster(deps.kafka(pair.primary, 'failback-check'), 8000);
      if (!seen.reachable) {
        throw permanent(
          'OldPrimaryUnreachable',
          `the old primary ${pair.primary.bootstrapServers.join(',')} does not answer (${seen.error ?? 'no answer'}): ` +
            'failback needs it back with its data; bring it up, then resolve retry',
        );
      }
      return withBoth(deps, pair, 'failback-assess', async ({ primary, secondary }) => {
        const topics = await applicationTopics(primary, pair, options.exportSuffix);
        // Once reverse replication runs, the secondary's canary topic also holds the reverse canary's originals, which
        // would read as perfect copies: the old primary's records are then reverse copies, judged by the reverse profile.
        const reverse = reversedPair(pair);
        const reprotected =
          (
            await providerFor(deps, reverse).state(
              replicationSpec(reverse, [...topics, pair.replication.canaryTopic], deps.env),
            )
          ).state !== 'absent';
        const fidelity = await lastCanaryProfile(reprotected ? primary : secondary, pair.replication.canaryTopic);
        let tails: PartitionTail[];
        try {
          tails = await unreplicatedTails(primary, secondary, topics, fidelity, { scanLimit: options.scanLimit });
        } catch (err) {
          if (err instanceof TailUnprovableError) throw permanent('TailUnprovable', err.message);
          throw err;
        }
        const ends = await partitionOffsets(primary, [...topics, pair.replication.canaryTopic]);
        const groupNames = async (s: AdminSession) =>
          [...(await groupsOnTopics(s, topics)).keys()].filter((g) => !isKdrGroup(g));
        return {
          topics,
          canaryTopic: pair.replication.canaryTopic,
          fidelity,
          fidelitySummary: `${reprotected ? 'reverse ' : ''}${describeProfile(fidelity)}`,
          reprotected,
          tails: tails.filter((t) => t.records > 0 || t.writtenOnSecondary > 0),
          primaryEnds: ends.map((p) => [p.topic, p.partition, p.end]),
          groups: { oldPrimary: await groupNames(primary), secondary: await groupNames(secondary) },
        };
      });
    },

    /** Copies the tails to `<topic><suffix>` on the active side (idempotent) and reads them back; `verifyOnly` writes nothing. */
    async exportTail(
      pair: PairConfig,
      tails: PartitionTail[],
      options: { exportSuffix: string; verifyOnly?: boolean },
    ): Promise<TopicExport[]> {
      return withBoth(deps, pair, 'failback-export', ({ primary, secondary }) =>
        exportTails(primary, secondary, deps.kafka(pair.secondary, 'failback-export'), tails, {
          suffix: options.exportSuffix,
          verifyOnly: options.verifyOnly,
          replicationFactor: deps.env.KDR_REPLICATION_FACTOR ? Number(deps.env.KDR_REPLICATION_FACTOR) : undefined,
        }),
      );
    },

    /**
     * Deletes the old primary's records up to the ends the approved plan names, so reverse replication appends a
     * clean copy of the active side. Refuses when an application topic grew since the assessment: those records
     * are in no export (a client still writes there). kafka-dr's canary topic is cleared to its current end.
     */
    async clearOldPrimary(pair: PairConfig, ends: [string, number, number][]): Promise<ClearResult> {
      return withAdmin(deps, pair.primary, 'failback-clear', async (s) => {
        const canary = pair.replication.canaryTopic;
        const now = new Map(
          (await partitionOffsets(s, [...new Set(ends.map(([t]) => t))])).map((p) => [tpKey(p.topic, p.partition), p]),
        );
        const grown = ends.filter(([t, p, end]) => t !== canary && (now.get(tpKey(t, p))?.end ?? end) > end);
        if (grown.length) {
          throw permanent(
            'OldPrimaryWritten',
            `records were written on the old primary after the assessment, and no export holds them: ` +
              `${grown
                .slice(0, 5)
                .map(([t, p, end]) => `${t}[${p}] ${end} -> ${now.get(tpKey(t, p))!.end}`)
                .join(', ')}. ` +
              'Stop every client still using the old primary, then start the failback again (its assessment and export include them)',
          );
        }
        const cleared: [string, number, number][] = [];
        let alreadyClear = 0;
        for (const [topic, partition, end] of ends) {
          const at = now.get(tpKey(topic, partition));
          const upTo = topic === canary ? (at?.end ?? end) : end;
          if (!at || at.earliest >= upTo) {
            alreadyClear++;
            continue;
          }
          await s.admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: String(upTo) }] });
          cleared.push([topic, partition, upTo]);
        }
        return { cleared, alreadyClear };
      });
    },

    /** Replication from the active side to the old primary, records written to the old primary (never the Connect cluster's own). */
    async ensureReverseReplication(pair: PairConfig, topics: string[]): Promise<EnsureResult> {
      const reverse = reversedPair(pair);
      const spec = replicationSpec(reverse, topics, deps.env);
      if (reverse.replication.provider === 'kafka-connect') spec.extra = { ...spec.extra, ...producerToTarget(spec) };
      return providerFor(deps, reverse).ensure(spec);
    },

    /** [topic, partition, earliest, end] of every non-empty partition on the active side: the reverse copy's target. */
    async activeEnds(pair: PairConfig, topics: string[]): Promise<[string, number, number, number][]> {
      return withAdmin(deps, pair.secondary, 'failback-ends', async (s) =>
        (await partitionOffsets(s, topics))
          .filter((p) => p.end > p.earliest)
          .map((p) => [p.topic, p.partition, p.earliest, p.end]),
      );
    },

    /**
     * Is each target's last record on the old primary? By identity (a copy appended after the emptied offsets), not
     * by a count, under the reverse direction's measured profile: the full identity in the same partition where
     * everything is kept (MirrorMaker 2), key and value on any partition otherwise (a re-producing stream).
     */
    async reverseCaughtUp(
      pair: PairConfig,
      target: [string, number, number, number][],
      fidelity: FidelityProfile,
    ): Promise<{ partitions: number; missing: string[] }> {
      return withBoth(deps, pair, 'failback-caught-up', async ({ primary, secondary }) => {
        const parts = target.map(([topic, partition, earliest, end]) => ({ topic, partition, earliest, end }));
        if (supportsExactMatch(fidelity)) {
          const tails = await matchTails(secondary, primary, parts);
          return {
            partitions: tails.length,
            missing: tails.filter((t) => !t.found).map((t) => `${t.topic}[${t.partition}]: ${t.reason ?? 'not found'}`),
          };
        }
        if (!fidelity.keyValueIdentical) {
          throw permanent(
            'ReplicationUnprovable',
            'the reverse canary did not show keys and values kept byte for byte: no record of the active side ' +
              'can be found on the old primary by identity. Check the reverse replication, then resolve retry',
          );
        }
        const profile = effectiveProfile(fidelity);
        const missing: string[] = [];
        for (const topic of new Set(parts.map((p) => p.topic))) {
          const onOldPrimary = new Set<string>();
          for (const p of await partitionOffsets(primary, [topic])) {
            for (const r of await readRange(
              primary.protocol,
              topic,
              p.partition,
              Math.max(p.earliest, p.end - DEFAULT_TAIL_SCAN_LIMIT),
              p.end,
            ))
              onOldPrimary.add(copyIdentity(r, profile));
          }
          for (const p of parts.filter((x) => x.topic === topic)) {
            const [last] = await readRange(secondary.protocol, topic, p.partition, p.end - 1, p.end);
            if (last && !onOldPrimary.has(copyIdentity(last, profile)))
              missing.push(`${topic}[${p.partition}]: offset ${p.end - 1} not on any partition of the old primary`);
          }
        }
        return { partitions: parts.length, missing };
      });
    },
  };
}
