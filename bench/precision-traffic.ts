// The applications of a scenario: producers and consumer groups on the primary, and what reached the secondary.
import type { AdminSession, PartitionOffsets } from '../src/kafka/admin';
import { checkpointKey, readCheckpoints } from '../src/kafka/checkpoints';
import { readRange } from '../src/kafka/protocol';
import { RetryingProducer, type AppClient } from '../stack/harness/traffic';
import { App, crashable } from './precision-apps';
import { config, GROUPS, log, sleep } from './precision-config';

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  boundMs: number,
): Promise<T | undefined> {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(500);
  }
  log(`  (gave up waiting for ${what} after ${boundMs / 1000} s)`);
  return undefined;
}

/** Every record of a topic on the secondary (values), read with Fetch. */
export async function logValues(s: AdminSession, parts: readonly PartitionOffsets[]): Promise<Set<string>> {
  const values = new Set<string>();
  for (const p of parts)
    for (const r of await readRange(s.protocol, p.topic, p.partition, p.earliest, p.end))
      values.add(r.value?.toString() ?? '');
  return values;
}

export interface Traffic {
  producers: Record<'a' | 'b', RetryingProducer>;
  apps: Map<string, App>;
  clients: AppClient[];
}

export async function startTraffic(
  bootstrap: string,
  name: string,
  topics: Record<'a' | 'b', string>,
): Promise<Traffic> {
  const clients: AppClient[] = [];
  const client = (id: string) => {
    const c = crashable(bootstrap, id);
    clients.push(c);
    return c;
  };
  const apps = new Map<string, App>();
  for (const g of GROUPS) {
    const group = `${name}-${g.suffix}`;
    apps.set(
      group,
      await App.start(client(group).kafka, group, topics[g.topic], {
        skipPartitions: g.skip,
        commitEveryMs: config.commitEveryMs,
      }),
    );
  }
  const producers = {
    a: await RetryingProducer.start(client('producer-a').kafka, topics.a, config.ratePerSecond, 0),
    b: await RetryingProducer.start(client('producer-b').kafka, topics.b, config.ratePerSecond, 1_000_000),
  };
  return { producers, apps, clients };
}

/** Until MirrorMaker 2 has a checkpoint for every partition each group committed (at its last commit when `exact`). */
export async function waitCheckpoints(
  secondary: AdminSession,
  traffic: Traffic,
  topics: Record<'a' | 'b', string>,
  exact: boolean,
  boundMs: number,
): Promise<void> {
  await until(
    exact ? "checkpoints at the groups' final commits" : 'checkpoints for every group',
    async () => {
      const { checkpoints } = await readCheckpoints(secondary, {
        groups: [...traffic.apps.keys()],
        topics: Object.values(topics),
      });
      for (const app of traffic.apps.values()) {
        for (const [partition, offset] of app.committed) {
          const cp = checkpoints.get(checkpointKey(app.group, app.topic, partition));
          if (!cp || (exact && cp.upstreamOffset !== offset)) return undefined;
        }
      }
      return true;
    },
    boundMs,
  );
}
