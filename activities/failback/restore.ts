// drFailback's last step: forward replication restored once the pair has switched back.
import type { PairConfig } from '../../src/config';
import { partitionOffsets } from '../../src/kafka/admin';
import { lastCanaryProfile } from '../../src/kafka/canary';
import { postSwitchRegion } from '../../src/kafka/post-switch';
import { reversedPair } from '../../src/config/reverse-pair';
import { removeWithPositions, startReplicationAt } from '../../src/failback/replication';
import { restoreForward, type ForwardRestore } from '../../src/failback/restore';
import type { ActivityDeps } from '../deps';
import { providerFor, replicationSpec } from '../replication';
import { withAdmin, withBoth } from '../sessions';
import { applicationTopics } from './topics';

export function restoreActivities(deps: ActivityDeps) {
  return {
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
  };
}
