// Kafka helpers for tests on the local stack: clients for both clusters, topics with unique names, a
// MirrorMaker 2 pair on the shared Kafka Connect, and polling with a bound.
import type { Kafka } from 'kafkajs';
import { local } from '../local-stack';
import { createKafka } from '../../src/kafka/clients';
import { openAdmin, type AdminSession } from '../../src/kafka/admin';
import { KafkaConnectProvider } from '../../src/connectors/kafka-connect';
import type { ReplicationPairSpec } from '../../src/connectors/types';

export const primaryKafka = (): Kafka =>
  createKafka({ bootstrapServers: [local.primaryBootstrap] }, { clientId: 'kdr-test' });
export const secondaryKafka = (): Kafka =>
  createKafka({ bootstrapServers: [local.secondaryBootstrap] }, { clientId: 'kdr-test' });

export async function openBoth(): Promise<{ primary: AdminSession; secondary: AdminSession; close(): Promise<void> }> {
  const primary = await openAdmin(primaryKafka());
  const secondary = await openAdmin(secondaryKafka());
  return {
    primary,
    secondary,
    close: async () => {
      await primary.close();
      await secondary.close();
    },
  };
}

/**
 * Creates a topic and returns once every partition has a leader. kafkajs' own wait (waitForLeaders) retries
 * only LEADER_NOT_AVAILABLE; a broker whose metadata lags the controller (a busy machine) answers
 * UNKNOWN_TOPIC_OR_PARTITION instead, which failed a test at its first line: that answer is waited out too.
 */
export async function createTopic(s: AdminSession, topic: string, partitions: number): Promise<void> {
  const created = await s.admin
    .createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] })
    .catch((err: { type?: string }) => {
      if (err.type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
      return false;
    });
  if (created) return;
  for (let attempt = 1; ; attempt++) {
    const meta = await s.admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    const ready = meta?.topics[0]?.partitions;
    if (ready && ready.length === partitions && ready.every((p) => p.leader >= 0)) return;
    if (attempt >= 50)
      throw new Error(
        `topic ${topic}: ${ready?.length ?? 0}/${partitions} partitions with a leader after ${attempt} checks`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function deleteTopics(s: AdminSession, topics: string[]): Promise<void> {
  const existing = new Set(await s.admin.listTopics());
  const mine = topics.filter((t) => existing.has(t));
  if (mine.length) await s.admin.deleteTopics({ topics: mine }).catch(() => undefined);
}

export function connectProvider(): KafkaConnectProvider {
  return new KafkaConnectProvider({ url: local.connectUrl });
}

/** A pair spec for MM2 on the local stack (replication factor 1, topics as a list). */
export function localPairSpec(pair: string, topics: string[], groups?: string[]): ReplicationPairSpec {
  return {
    pair,
    primary: { bootstrapServers: [local.primaryBootstrap] },
    secondary: { bootstrapServers: [local.secondaryBootstrap] },
    topics,
    ...(groups ? { groups } : {}),
    replicationFactor: 1,
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
