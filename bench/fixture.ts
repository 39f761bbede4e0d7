// The data every method resets: one topic with 8 partitions on both clusters holding the same records (as a
// replicator that keeps timestamps would leave them), and N consumer groups with committed offsets on the
// primary. Names are unique per run; `cleanup` removes exactly what `createFixture` made.
import type { Kafka } from 'kafkajs';
import { createKafka } from '../src/kafka/clients';
import { openAdmin, setManyGroupOffsets, type AdminSession, type CommittedOffset } from '../src/kafka/admin';
import { local } from '../stack/local-stack';

export const PARTITIONS = 8;

export interface FixtureOptions {
  /** Prefix of every name (unique per run). */
  prefix: string;
  groups: number;
  recordsPerPartition: number;
}

export interface Fixture {
  prefix: string;
  topic: string;
  canaryTopic: string;
  /** Group names, zero-padded so a pattern can pick the first 10^k of them. */
  groups: string[];
  primary: AdminSession;
  secondary: AdminSession;
  /** Time to build it, for the log (not a figure of the benchmark). */
  setupMs: number;
}

export const kafkaFor = (bootstrap: string, clientId: string): Kafka =>
  createKafka({ bootstrapServers: [bootstrap] }, { clientId });

export function groupName(prefix: string, i: number): string {
  return `${prefix}-g${String(i).padStart(4, '0')}`;
}

/** Where group i has read to on the primary: different per group and partition, always inside the log. */
export function primaryOffset(i: number, partition: number, records: number): number {
  return 1 + ((i * 7 + partition * 13) % (records - 1));
}

export async function produceSame(s: AdminSession, topic: string, records: number, baseTime: number): Promise<void> {
  const producer = s.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const batch = 100;
    for (let from = 0; from < records; from += batch) {
      const n = Math.min(batch, records - from);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          {
            topic,
            messages: Array.from({ length: PARTITIONS * n }, (_, k) => {
              const partition = k % PARTITIONS;
              const seq = from + Math.floor(k / PARTITIONS);
              // One record every 10 ms per partition, identical on both sides: the timestamp translation has
              // something exact to map.
              return {
                partition,
                key: `k${seq}`,
                value: `${topic}-${partition}-${seq}`,
                timestamp: String(baseTime + seq * 10),
              };
            }),
          },
        ],
      });
    }
  } finally {
    await producer.disconnect();
  }
}

async function createTopics(s: AdminSession, topics: string[]): Promise<void> {
  await s.admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({
      topic,
      numPartitions: topic.endsWith('-canary') ? 1 : PARTITIONS,
      replicationFactor: 1,
    })),
  });
}

/**
 * `pairName` decides the canary topic's name (`<pair>-canary`, as kafkaPair() configures it): drFailover's
 * assess step requires every replicated topic, canary included, on the secondary.
 */
export async function createFixture(o: FixtureOptions & { pairName: string }): Promise<Fixture> {
  const started = Date.now();
  const primary = await openAdmin(kafkaFor(local.primaryBootstrap, 'kdr-bench'));
  const secondary = await openAdmin(kafkaFor(local.secondaryBootstrap, 'kdr-bench'));
  const topic = `${o.prefix}-orders`;
  const canaryTopic = `${o.pairName}-canary`;
  await Promise.all([createTopics(primary, [topic, canaryTopic]), createTopics(secondary, [topic, canaryTopic])]);
  const baseTime = Date.now() - o.recordsPerPartition * 10 - 60_000;
  await Promise.all([
    produceSame(primary, topic, o.recordsPerPartition, baseTime),
    produceSame(secondary, topic, o.recordsPerPartition, baseTime),
  ]);
  const groups = Array.from({ length: o.groups }, (_, i) => groupName(o.prefix, i));
  const plans = groups.map((group, i) => ({
    group,
    offsets: Array.from({ length: PARTITIONS }, (_, partition): CommittedOffset => ({
      topic,
      partition,
      offset: primaryOffset(i, partition, o.recordsPerPartition),
    })),
  }));
  const r = await setManyGroupOffsets(primary, plans, { concurrency: 64 });
  if (r.done.length !== groups.length) {
    throw new Error(
      `committing the groups' offsets on the primary: ${r.live.length} live, ${r.failed.length} failed` +
        (r.failed[0] ? ` (first: ${r.failed[0].group}: ${r.failed[0].error.message})` : ''),
    );
  }
  return { prefix: o.prefix, topic, canaryTopic, groups, primary, secondary, setupMs: Date.now() - started };
}

/** Deletes the fixture's groups and topics on both clusters; best effort, reports what it could not. */
export async function cleanup(f: Fixture, log: (line: string) => void): Promise<void> {
  for (const [side, s] of [
    ['primary', f.primary],
    ['secondary', f.secondary],
  ] as const) {
    const { groups: existing } = await s.admin.listGroups().catch(() => ({ groups: [] as { groupId: string }[] }));
    const mine = existing.map((g) => g.groupId).filter((g) => g.startsWith(`${f.prefix}-`));
    for (let i = 0; i < mine.length; i += 200) {
      await s.admin
        .deleteGroups(mine.slice(i, i + 200))
        .catch((err: Error) => log(`  could not delete groups on the ${side}: ${err.message}`));
    }
    const topics = new Set(await s.admin.listTopics());
    const delete_ = [f.topic, f.canaryTopic].filter((t) => topics.has(t));
    if (delete_.length)
      await s.admin
        .deleteTopics({ topics: delete_ })
        .catch((err: Error) => log(`  could not delete topics on the ${side}: ${err.message}`));
  }
  await Promise.all([f.primary.close(), f.secondary.close()]);
}
