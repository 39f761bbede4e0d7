// connector-verify: canary records with the run id go to the primary and must arrive on the secondary.
import type { PairConfig } from '../src/config';
import { openAdmin } from '../src/kafka/admin';
import { runCanary, type CanaryResult } from '../src/kafka/canary';
import type { ActivityDeps } from './deps';
import { replicatedTopics, withAdmin } from './sessions';
import { deadLetterRecords, type DeadLetterCount } from './dead-letter';

export function verifyActivities(deps: ActivityDeps) {
  return {
    /** The pair's replicated topics as the primary lists them (the secondary's copies when the primary is down). */
    async listReplicatedTopics(pair: PairConfig): Promise<string[]> {
      try {
        return await withAdmin(deps, pair.primary, 'topics-primary', (s) => replicatedTopics(s, pair));
      } catch {
        return withAdmin(deps, pair.secondary, 'topics-secondary', (s) => replicatedTopics(s, pair));
      }
    },

    /** With, for EventBridge pairs, the records in the pair's dead-letter topic on the secondary. */
    async runCanary(pair: PairConfig, runId: string): Promise<CanaryResult & { deadLetter?: DeadLetterCount }> {
      const { canaryTopic, thresholds } = pair.replication;
      const secondary = await openAdmin(deps.kafka(pair.secondary, 'canary-secondary'));
      try {
        const result = await runCanary(deps.kafka(pair.primary, 'canary-primary'), secondary, {
          runId,
          topic: canaryTopic,
          count: thresholds.canaryRecords,
          timeoutMs: thresholds.canaryTimeoutMs,
        });
        // Only the first few missing records: the rest are implied by the count.
        const deadLetter = await deadLetterRecords(pair, secondary).catch(() => undefined);
        return { ...result, missing: result.missing.slice(0, 10), ...(deadLetter ? { deadLetter } : {}) };
      } finally {
        await secondary.close();
      }
    },
  };
}
