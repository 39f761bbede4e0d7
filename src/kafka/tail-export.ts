// Preserving the unreplicated tail before the old primary is cleared: every tail record is copied, with its key,
// value, headers, timestamp and partition, to `<topic><suffix>` on the active side, and carries a header naming
// where it came from (`<topic>/<partition>/<offset>` on the old primary). That header makes the export
// idempotent (a re-run writes only what is not there yet) and the verification exact (read back, every source
// present once).
import type { Kafka } from 'kafkajs';
import type { AdminSession } from './admin';
import { partitionOffsets, topicPartitionCounts } from './admin';
import { readRange, type FetchedRecord } from './protocol';
import type { PartitionTail } from './tail';

export const DEFAULT_EXPORT_SUFFIX = '.kdr-unreplicated';
export const SOURCE_HEADER = 'kdr-unreplicated-from';
const SEND_BATCH = 500;

export function exportTopicName(topic: string, suffix = DEFAULT_EXPORT_SUFFIX): string {
  return `${topic}${suffix}`;
}

export function sourceOf(topic: string, partition: number, offset: number): string {
  return `${topic}/${partition}/${offset}`;
}

export interface TopicExport {
  topic: string;
  exportTopic: string;
  /** Tail records of the topic (what must be in the export). */
  expected: number;
  /** Found in the export topic before this call (an earlier run). */
  alreadyThere: number;
  written: number;
  /** Read back after writing: tail records found in the export topic, each counted once. */
  verified: number;
  /** Tail records not found on reading back (should be empty; the first few). */
  missing: string[];
}

/** The source header of every record already in the export topic. */
async function exportedSources(secondary: AdminSession, exportTopic: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const p of await partitionOffsets(secondary, [exportTopic])) {
    for (const r of await readRange(secondary.protocol, exportTopic, p.partition, p.earliest, p.end)) {
      const h = r.headers[SOURCE_HEADER];
      const v = (Array.isArray(h) ? h[0] : h)?.toString();
      if (v) seen.set(v, (seen.get(v) ?? 0) + 1);
    }
  }
  return seen;
}

function headersOf(r: FetchedRecord, source: string): Record<string, Buffer | Buffer[]> {
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) out[k] = v;
  out[SOURCE_HEADER] = Buffer.from(source);
  return out;
}

/**
 * Exports (or with `verifyOnly`, only checks) the tails of every topic, then reads the export back. Never deletes
 * anything; the caller treats `verified < expected` as a failed export.
 */
export async function exportTails(
  oldPrimary: AdminSession,
  secondary: AdminSession,
  secondaryKafka: Kafka,
  tails: readonly PartitionTail[],
  options: { suffix?: string; replicationFactor?: number; verifyOnly?: boolean } = {},
): Promise<TopicExport[]> {
  const byTopic = new Map<string, PartitionTail[]>();
  for (const t of tails) if (t.records > 0) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t]);
  const out: TopicExport[] = [];
  const producer = options.verifyOnly
    ? undefined
    : secondaryKafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer?.connect();
  try {
    for (const [topic, parts] of byTopic) {
      const exportTopic = exportTopicName(topic, options.suffix);
      const expected = new Map<string, { partition: number; offset: number }>();
      for (const t of parts)
        for (const [from, to] of t.ranges)
          for (let o = from; o < to; o++)
            expected.set(sourceOf(topic, t.partition, o), { partition: t.partition, offset: o });
      const exists = (await topicPartitionCounts(secondary, [exportTopic])).has(exportTopic);
      if (!exists && options.verifyOnly) {
        out.push({
          topic,
          exportTopic,
          expected: expected.size,
          alreadyThere: 0,
          written: 0,
          verified: 0,
          missing: [...expected.keys()].slice(0, 5),
        });
        continue;
      }
      if (!exists) {
        const partitions = (await topicPartitionCounts(oldPrimary, [topic])).get(topic) ?? 1;
        await secondary.admin
          .createTopics({
            waitForLeaders: true,
            topics: [
              { topic: exportTopic, numPartitions: partitions, replicationFactor: options.replicationFactor ?? -1 },
            ],
          })
          .catch((e: Error) => {
            if (!/already exists/i.test(e.message)) throw e;
          });
      }
      const before = await exportedSources(secondary, exportTopic);
      let written = 0;
      if (producer) {
        for (const t of parts) {
          for (const [from, to] of t.ranges) {
            const records = (await readRange(oldPrimary.protocol, topic, t.partition, from, to)).filter(
              (r) =>
                expected.has(sourceOf(topic, t.partition, r.offset)) &&
                !before.has(sourceOf(topic, t.partition, r.offset)),
            );
            for (let i = 0; i < records.length; i += SEND_BATCH) {
              const batch = records.slice(i, i + SEND_BATCH);
              // Same partition as on the old primary: the export keeps each partition's order.
              await producer.send({
                topic: exportTopic,
                acks: -1,
                messages: batch.map((r) => ({
                  partition: r.partition,
                  key: r.key,
                  value: r.value,
                  timestamp: String(r.timestamp),
                  headers: headersOf(r, sourceOf(topic, t.partition, r.offset)),
                })),
              });
              written += batch.length;
            }
          }
        }
      }
      const after = await exportedSources(secondary, exportTopic);
      const missing = [...expected.keys()].filter((k) => !after.has(k));
      const verified = [...expected.keys()].filter((k) => after.has(k)).length;
      out.push({
        topic,
        exportTopic,
        expected: expected.size,
        alreadyThere: [...expected.keys()].filter((k) => before.has(k)).length,
        written,
        verified,
        missing: missing.slice(0, 5),
      });
    }
  } finally {
    await producer?.disconnect();
  }
  return out;
}
