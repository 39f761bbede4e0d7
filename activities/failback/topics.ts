// The application topics a failback moves: replicated, without kafka-dr's canary and export topics.
import type { PairConfig } from '../../src/config';
import type { AdminSession } from '../../src/kafka/admin';
import { replicatedTopics } from '../sessions';

export async function applicationTopics(oldPrimary: AdminSession, pair: PairConfig, suffix: string): Promise<string[]> {
  return (await replicatedTopics(oldPrimary, pair)).filter(
    (t) => t !== pair.replication.canaryTopic && !t.endsWith(suffix),
  );
}
