import type { InternalBroker, ProtocolHandle } from './cluster';
import { mapLimit } from './concurrency';
import { COORDINATOR_MOVED, coordinatorCache, coordinatorsOf, withCoordinator } from './find-coordinator';
import { ERROR_TYPES, KafkaErrorCode, sendFlexible, supports } from './flexible';
import { tpKey, type PartitionRef } from './leaders';
import { Writer } from './wire';

const API_OFFSET_FETCH = 9;

/** Committed offsets of one group for the given partitions (-1 where it has none). */
export async function fetchCommitted(
  handle: ProtocolHandle,
  groupId: string,
  partitions: readonly PartitionRef[],
): Promise<Map<string, number>> {
  const { cluster } = handle;
  const topics = new Map<string, { partition: number }[]>();
  for (const p of partitions) {
    const list = topics.get(p.topic);
    if (list) list.push({ partition: p.partition });
    else topics.set(p.topic, [{ partition: p.partition }]);
  }
  const { responses } = await withCoordinator<{
    responses: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }>(cluster, groupId, (coordinator) =>
    coordinator.offsetFetch({
      groupId,
      topics: [...topics].map(([topic, parts]) => ({ topic, partitions: parts })),
    }),
  );
  const out = new Map<string, number>();
  for (const r of responses) for (const p of r.partitions) out.set(tpKey(r.topic, p.partition), Number(p.offset));
  return out;
}

/**
 * Committed offsets of many groups on the same partitions: per coordinator, one OffsetFetch v8 for up to
 * `perRequest` groups (Kafka >= 3.0), else one request per group. -1 where a group has no commit. A group the
 * batched answer refuses (its coordinator moved meanwhile) is asked again on its own.
 */
export async function fetchCommittedMany(
  handle: ProtocolHandle,
  groups: readonly string[],
  partitions: readonly PartitionRef[],
  options: { perRequest?: number; concurrency?: number; onGroups?: (n: number) => void } = {},
): Promise<Map<string, Map<string, number>>> {
  return fetchCommittedEach(
    handle,
    groups.map((group) => ({ group, partitions })),
    options,
  );
}

/**
 * As fetchCommittedMany, each group asking for its own partitions (OffsetFetch v8 carries topics per group):
 * a reset's read-back asks exactly what each group was given, however the groups' topics differ.
 */
export async function fetchCommittedEach(
  handle: ProtocolHandle,
  items: readonly { group: string; partitions: readonly PartitionRef[] }[],
  options: { perRequest?: number; concurrency?: number; onGroups?: (n: number) => void } = {},
): Promise<Map<string, Map<string, number>>> {
  const { cluster } = handle;
  const out = new Map<string, Map<string, number>>();
  if (items.length === 0) return out;
  const topicsOf = new Map<string, [string, number[]][]>();
  const partitionsOf = new Map<string, readonly PartitionRef[]>();
  for (const { group, partitions } of items) {
    partitionsOf.set(group, partitions);
    const topics = new Map<string, number[]>();
    for (const p of partitions) {
      const l = topics.get(p.topic);
      if (l) l.push(p.partition);
      else topics.set(p.topic, [p.partition]);
    }
    topicsOf.set(group, [...topics]);
  }
  const perRequest = options.perRequest ?? 500;
  const chunks: { nodeId: string; groups: string[] }[] = [];
  for (const [nodeId, list] of await coordinatorsOf(cluster, [...topicsOf.keys()])) {
    for (let i = 0; i < list.length; i += perRequest) chunks.push({ nodeId, groups: list.slice(i, i + perRequest) });
  }
  const oneByOne = async (list: readonly string[]) => {
    await mapLimit(list, options.concurrency ?? 32, async (g) => {
      out.set(g, await fetchCommitted(handle, g, partitionsOf.get(g) ?? []));
      options.onGroups?.(1);
    });
  };
  await mapLimit(chunks, 4, async (chunk) => {
    const broker: InternalBroker = await cluster.findBroker({ nodeId: chunk.nodeId });
    if (!supports(broker, API_OFFSET_FETCH, 8)) {
      await oneByOne(chunk.groups);
      return;
    }
    const body = new Writer()
      .compactArray(chunk.groups, (w, g) => {
        w.compactString(g)
          .compactArray(topicsOf.get(g) ?? [], (wt, [topic, parts]) => {
            wt.compactString(topic)
              .compactArray(parts, (wp, p) => wp.int32(p))
              .tags();
          })
          .tags();
      })
      .bool(false)
      .tags();
    const answer = await sendFlexible(broker, API_OFFSET_FETCH, 8, 'OffsetFetch', body, (r) => {
      r.int32();
      const gs = r.compactArray(() => {
        const group = r.compactString();
        const ts = r.compactArray(() => {
          const topic = r.compactString();
          const ps = r.compactArray(() => {
            const partition = r.int32();
            const offset = r.int64();
            r.int32();
            r.compactNullableString();
            const errorCode = r.int16();
            r.tags();
            return { partition, offset, errorCode };
          });
          r.tags();
          return { topic, ps };
        });
        const errorCode = r.int16();
        r.tags();
        return { group, ts, errorCode };
      });
      r.tags();
      return gs;
    });
    const retry: string[] = [];
    for (const g of answer) {
      if (g.errorCode !== 0) {
        if (COORDINATOR_MOVED.has(ERROR_TYPES[g.errorCode] ?? '')) {
          coordinatorCache(cluster).delete(g.group);
          retry.push(g.group);
          continue;
        }
        throw new KafkaErrorCode(
          g.errorCode,
          ERROR_TYPES[g.errorCode] ?? 'UNKNOWN',
          `OffsetFetch of group ${g.group}: error code ${g.errorCode}`,
        );
      }
      const m = new Map<string, number>();
      for (const t of g.ts) {
        for (const p of t.ps) {
          if (p.errorCode !== 0) {
            throw new KafkaErrorCode(
              p.errorCode,
              ERROR_TYPES[p.errorCode] ?? 'UNKNOWN',
              `OffsetFetch of group ${g.group} ${t.topic}[${p.partition}]: error code ${p.errorCode}`,
            );
          }
          m.set(tpKey(t.topic, p.partition), p.offset);
        }
      }
      out.set(g.group, m);
    }
    options.onGroups?.(answer.length - retry.length);
    if (retry.length) await oneByOne(retry);
  });
  return out;
}
