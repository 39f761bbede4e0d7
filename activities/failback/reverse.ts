// drFailback's reverse replication: from the active side to the old primary, its state, and the proof that the
// old primary caught up.
import type { PairConfig } from '../../src/config';
import { producerToTarget } from '../../src/connectors/reverse-mirror';
import type { EnsureResult } from '../../src/connectors/types';
import { partitionOffsets } from '../../src/kafka/admin';
import { matchTails } from '../../src/kafka/match';
import { effectiveProfile, supportsExactMatch, type FidelityProfile } from '../../src/kafka/fidelity';
import { copyIdentity } from '../../src/kafka/post-switch';
import { readRange } from '../../src/kafka/protocol';
import { DEFAULT_TAIL_SCAN_LIMIT } from '../../src/kafka/tail';
import { reversedPair } from '../../src/config/reverse-pair';
import type { ActivityDeps } from '../deps';
import { permanent } from '../failures';
import { providerFor, replicationSpec } from '../replication';
import { replicatedTopics, withAdmin, withBoth } from '../sessions';

export function reverseActivities(deps: ActivityDeps) {
  return {
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
