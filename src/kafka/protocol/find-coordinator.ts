// Group coordinators, per cluster connection: kafkajs asks FindCoordinator again for every group operation,
// which doubles the requests of a 10,000-group plan or reset. A coordinator that moved answers NOT_COORDINATOR;
// the entry is then dropped and the call retried once.
import type { InternalBroker, InternalCluster } from './cluster';
import { mapLimit } from './concurrency';
import { sendFlexible, supports } from './flexible';
import { Writer } from './wire';

const API_FIND_COORDINATOR = 10;

const coordinators = new WeakMap<object, Map<string, Promise<InternalBroker>>>();
export const COORDINATOR_MOVED = new Set([
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

export function coordinatorCache(cluster: InternalCluster): Map<string, Promise<InternalBroker>> {
  let cache = coordinators.get(cluster);
  if (!cache) {
    cache = new Map();
    coordinators.set(cluster, cache);
  }
  return cache;
}

function coordinatorOf(cluster: InternalCluster, groupId: string): Promise<InternalBroker> {
  const cache = coordinatorCache(cluster);
  let found = cache.get(groupId);
  if (!found) {
    found = cluster.findGroupCoordinator({ groupId }) as Promise<InternalBroker>;
    found.catch(() => cache.delete(groupId));
    cache.set(groupId, found);
  }
  return found;
}

export async function withCoordinator<T>(
  cluster: InternalCluster,
  groupId: string,
  fn: (coordinator: InternalBroker) => Promise<T>,
): Promise<T> {
  try {
    return await fn(await coordinatorOf(cluster, groupId));
  } catch (err) {
    const e = err as { type?: string; name?: string };
    if (!COORDINATOR_MOVED.has(e.type ?? '') && !/^KafkaJSConnection/.test(e.name ?? '')) throw err;
    coordinatorCache(cluster).delete(groupId);
    return fn(await coordinatorOf(cluster, groupId));
  }
}

/** Coordinators of many groups: one FindCoordinator v4 per 1,000 groups, one request per group otherwise. */
export async function coordinatorsOf(
  cluster: InternalCluster,
  groups: readonly string[],
): Promise<Map<string, string[]>> {
  const byNode = new Map<string, string[]>();
  const add = (nodeId: string, group: string) => {
    const l = byNode.get(nodeId);
    if (l) l.push(group);
    else byNode.set(nodeId, [group]);
  };
  const cache = coordinatorCache(cluster);
  const unknown: string[] = [];
  for (const g of groups) {
    const known = cache.get(g);
    if (known) add(String((await known).nodeId), g);
    else unknown.push(g);
  }
  let single = unknown;
  if (unknown.length > 1) {
    const any: InternalBroker = await cluster.brokerPool.withBroker(
      async ({ broker }: { broker: InternalBroker }) => broker,
    );
    if (supports(any, API_FIND_COORDINATOR, 4)) {
      single = [];
      for (let i = 0; i < unknown.length; i += 1000) {
        const keys = unknown.slice(i, i + 1000);
        const answer = await sendFlexible(
          any,
          API_FIND_COORDINATOR,
          4,
          'FindCoordinator',
          new Writer()
            .int8(0)
            .compactArray(keys, (w, k) => w.compactString(k))
            .tags(),
          (r) => {
            r.int32();
            const out = r.compactArray(() => {
              const key = r.compactString();
              const nodeId = r.int32();
              r.compactString();
              r.int32();
              const errorCode = r.int16();
              r.compactNullableString();
              r.tags();
              return { key, nodeId, errorCode };
            });
            r.tags();
            return out;
          },
        );
        for (const c of answer) {
          if (c.errorCode !== 0) {
            single.push(c.key);
            continue;
          }
          const broker = cluster.findBroker({ nodeId: String(c.nodeId) }) as Promise<InternalBroker>;
          broker.catch(() => cache.delete(c.key));
          cache.set(c.key, broker);
          add(String(c.nodeId), c.key);
        }
      }
    }
  }
  if (single.length > 0) {
    // Every broker connected one at a time first (see connectLeaders): then the lookups may run concurrently.
    for (const nodeId of Object.keys(cluster.brokerPool?.brokers ?? {})) await cluster.findBroker({ nodeId });
    const nodes = await mapLimit(single, 32, async (g) => String((await coordinatorOf(cluster, g)).nodeId));
    single.forEach((g, i) => add(nodes[i], g));
  }
  for (const nodeId of byNode.keys()) await cluster.findBroker({ nodeId });
  return byNode;
}
