// Admin sessions are opened per activity call and always closed: activities may run on any worker, and a
// session left open would keep broker connections alive after the activity ended.
import { isInternalTopic, selects, type ClusterConfig, type PairConfig } from '../src/config';
import { openAdmin, openProtocolSession, type AdminSession, type ProtocolSession } from '../src/kafka/admin';
import { isDeadLetterTopic } from '../src/connectors/eventbridge';
import type { ActivityDeps } from './deps';

export async function withAdmin<T>(
  deps: ActivityDeps,
  cluster: ClusterConfig,
  purpose: string,
  fn: (s: AdminSession) => Promise<T>,
): Promise<T> {
  const session = await openAdmin(deps.kafka(cluster, purpose));
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** As withAdmin, with only the protocol connection (no kafkajs Admin): for the reset, which needs no more. */
export async function withProtocol<T>(
  deps: ActivityDeps,
  cluster: ClusterConfig,
  purpose: string,
  fn: (s: ProtocolSession) => Promise<T>,
): Promise<T> {
  const session = await openProtocolSession(deps.kafka(cluster, purpose));
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

export async function withBoth<T>(
  deps: ActivityDeps,
  pair: PairConfig,
  purpose: string,
  fn: (s: { primary: AdminSession; secondary: AdminSession }) => Promise<T>,
): Promise<T> {
  return withAdmin(deps, pair.primary, `${purpose}-primary`, (primary) =>
    withAdmin(deps, pair.secondary, `${purpose}-secondary`, (secondary) => fn({ primary, secondary })),
  );
}

/**
 * The replicated topic names: the configured list, or every primary topic matching the pattern (never kafka-dr's
 * dead-letter topics, which a failback's reverse replication would otherwise copy back); plus the canary topic.
 */
export async function replicatedTopics(primary: AdminSession, pair: PairConfig): Promise<string[]> {
  const { topics, canaryTopic } = pair.replication;
  const listed = Array.isArray(topics)
    ? [...topics]
    : (await primary.admin.listTopics()).filter(
        (t) => !isInternalTopic(t) && !isDeadLetterTopic(t) && selects(topics, t),
      );
  return [...new Set([...listed, canaryTopic])].sort();
}
