// drWatch's cost: one position snapshot of N groups x P partitions on the local stack (issue 9's target: 1,000 x 8
// in 2 s or less). The same records are written to both clusters (as an identity-keeping replicator would), every
// group commits at its own offset, then takeSnapshot runs cold (everything new: written, dated, matched), warm
// (nothing moved) and after 10% of the groups moved. `npx tsx bench/watch-snapshot.ts [groups] [partitions]`.
import { openAdmin } from '../src/kafka/admin';
import { createKafka } from '../src/kafka/clients';
import { commitOffsets, mapLimit } from '../src/kafka/protocol';
import { POSITIONS_TOPIC } from '../src/kafka/positions';
import { newSnapshotCache, takeSnapshot, type SnapshotSummary } from '../src/kafka/snapshot';
import { local } from '../stack/local-stack';

export interface SnapshotBench {
  groups: number;
  partitions: number;
  cold: SnapshotSummary;
  warm: SnapshotSummary;
  moved: SnapshotSummary;
}

export async function benchSnapshot(groups = 1_000, partitions = 8, recordsPerPartition = 500): Promise<SnapshotBench> {
  const primary = await openAdmin(
    createKafka({ bootstrapServers: [local.primaryBootstrap] }, { clientId: 'kdr-bench' }),
  );
  const secondary = await openAdmin(
    createKafka({ bootstrapServers: [local.secondaryBootstrap] }, { clientId: 'kdr-bench' }),
  );
  const id = `wsb-${Date.now().toString(36)}`;
  const topic = `${id}-t`;
  const names = Array.from({ length: groups }, (_, i) => `${id}-g${i}`);
  try {
    for (const s of [primary, secondary])
      await s.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
    const base = Date.now() - 3_600_000;
    for (const s of [primary, secondary]) {
      const producer = s.kafka.producer();
      await producer.connect();
      for (let p = 0; p < partitions; p++) {
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: recordsPerPartition }, (_, i) => ({
            partition: p,
            key: `k${i % 13}`,
            value: `p${p}-v${i}`,
            timestamp: String(base + i * 10),
          })),
        });
      }
      await producer.disconnect();
    }
    const commitAt = async (g: string, i: number, shift: number) =>
      commitOffsets(
        primary.protocol,
        g,
        Array.from({ length: partitions }, (_, partition) => ({
          topic,
          partition,
          offset: (i * 7 + partition * 31 + shift) % (recordsPerPartition + 1),
        })),
      );
    await mapLimit(names, 32, (g, i) => commitAt(g, i, 0));
    const cache = newSnapshotCache();
    const run = () =>
      takeSnapshot({
        pair: id,
        primary,
        secondary,
        topics: [topic],
        exact: true,
        cache,
        accept: (g) => g.startsWith(id),
        replicationFactor: 1,
      });
    const cold = await run();
    const warm = await run();
    await mapLimit(names.slice(0, Math.ceil(groups / 10)), 32, (g, i) => commitAt(g, i, 1));
    const moved = await run();
    return { groups, partitions, cold, warm, moved };
  } finally {
    await primary.admin.deleteGroups(names).catch(() => undefined);
    for (const s of [primary, secondary]) await s.admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await Promise.all([primary.close(), secondary.close()]);
  }
}

if (process.argv[1]?.endsWith('watch-snapshot.ts')) {
  const [groups, partitions] = process.argv.slice(2).map(Number);
  benchSnapshot(groups || undefined, partitions || undefined).then(
    (r) => {
      const line = (what: string, s: SnapshotSummary) =>
        `${what.padEnd(6)} ${String(s.elapsedMs).padStart(6)} ms  ${s.groups} groups, ` +
        `${s.positions} positions, ${s.written} written, ${s.matched} exact, ${s.searches} searches`;
      console.log(`one snapshot of ${r.groups} groups x ${r.partitions} partitions into ${POSITIONS_TOPIC}:`);
      console.log(line('cold', r.cold));
      console.log(line('warm', r.warm));
      console.log(line('moved', r.moved));
    },
    (err: Error) => {
      console.error(err);
      process.exit(1);
    },
  );
}
