// drFailback's clearing of the old primary, so reverse replication can make it a clean replica.
import type { PairConfig } from '../../src/config';
import { partitionOffsets, tpKey } from '../../src/kafka/admin';
import type { ActivityDeps } from '../deps';
import { permanent } from '../failures';
import { withAdmin } from '../sessions';

export interface ClearResult {
  /** [topic, partition, deletedUpTo] */
  cleared: [string, number, number][];
  alreadyClear: number;
}

export function clearActivities(deps: ActivityDeps) {
  return {
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
  };
}
