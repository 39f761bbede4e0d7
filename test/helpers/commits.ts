// Counts the offset commits a cluster recorded for consumer groups, by reading its __consumer_offsets log: the
// proof that a step committed each group once, whatever kafka-dr's own counters say.
import type { AdminSession } from '../../src/kafka/admin';
import { partitionOffsets } from '../../src/kafka/admin';
import { readRange } from '../../src/kafka/protocol';

/** The __consumer_offsets partition of a group, as the broker computes it (Utils.abs(String.hashCode) % n). */
export function offsetsPartition(group: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < group.length; i++) h = (Math.imul(31, h) + group.charCodeAt(i)) | 0;
  // Utils.abs, not Utils.toPositive (h & 0x7fffffff): for a negative hash the two name different partitions, and
  // the wrong one holds no commit of the group (checked against a broker: hash-probe-0 is in partition 6 of 10).
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

/** Commit records per group (one per partition committed per commit), for the given groups. */
export async function countCommits(s: AdminSession, groups: readonly string[]): Promise<Map<string, number>> {
  const logs = await partitionOffsets(s, ['__consumer_offsets']);
  const wanted = new Set(groups);
  const counts = new Map(groups.map((g) => [g, 0]));
  const partitions = new Set(groups.map((g) => offsetsPartition(g, logs.length)));
  for (const log of logs.filter((l) => partitions.has(l.partition))) {
    for (const r of await readRange(s.protocol, '__consumer_offsets', log.partition, log.earliest, log.end)) {
      if (!r.key || !r.value || r.key.length < 4) continue;
      const version = r.key.readInt16BE(0);
      if (version > 1) continue; // group metadata, not an offset commit
      const len = r.key.readInt16BE(2);
      const group = r.key.subarray(4, 4 + len).toString('utf8');
      if (wanted.has(group)) counts.set(group, (counts.get(group) ?? 0) + 1);
    }
  }
  return counts;
}
