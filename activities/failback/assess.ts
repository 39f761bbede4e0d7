// drFailback's assessment: what the old primary holds that the secondary never received, and its export to the
// active side. The tail's records never go into history: only [from, to) offset ranges do.
import type { PairConfig } from '../../src/config';
import { describeCluster, groupsOnTopics, partitionOffsets, type AdminSession } from '../../src/kafka/admin';
import { lastCanaryProfile } from '../../src/kafka/canary';
import { describeProfile, type FidelityProfile } from '../../src/kafka/fidelity';
import { TailUnprovableError, unreplicatedTails, type PartitionTail } from '../../src/kafka/tail';
import { exportTails, type TopicExport } from '../../src/kafka/tail-export';
import { reversedPair } from '../../src/config/reverse-pair';
import type { ActivityDeps } from '../deps';
import { permanent } from '../failures';
import { providerFor, replicationSpec } from '../replication';
import { withAdmin, withBoth } from '../sessions';
import { applicationTopics } from './topics';

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

const isKdrGroup = (g: string) => g.startsWith('kdr-') || g.startsWith('connect-');

export function assessActivities(deps: ActivityDeps) {
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
  };
}
