// What restore-forward does to the replication, per provider: removing the reverse direction with its stored
// positions, and starting the forward direction again at given offsets. MirrorMaker 2 keeps positions in Kafka
// Connect's offsets (stop, reset or alter, resume); EventBridge streams consume with their own consumer group.
import { EventBridgeProvider, replicatorGroup } from '../connectors/eventbridge';
import { connectorNames, KafkaConnectProvider, mirrorSourcePartition } from '../connectors/kafka-connect';
import type { ReplicationPairSpec, ReplicationProvider } from '../connectors/types';
import type { AdminSession } from '../kafka/admin';

/**
 * Removes a replication and its stored positions, so one created again starts afresh. `deleteGroup` deletes an
 * EventBridge pair's replicator group (it keeps the streams' positions on the cluster they read).
 */
export async function removeWithPositions(
  provider: ReplicationProvider,
  spec: ReplicationPairSpec,
  deleteGroup: (group: string) => Promise<void>,
): Promise<void> {
  if (provider instanceof KafkaConnectProvider) {
    for (const name of Object.values(connectorNames(spec.pair))) {
      await provider.client.stop(name);
      await provider.client.resetOffsets(name);
    }
  }
  await provider.remove(spec);
  if (provider instanceof EventBridgeProvider) await deleteGroup(replicatorGroup(spec.pair));
}

/** Positions the replication of `topics` at `starts` ([topic, partition, offset] on `source`) and resumes it. */
export async function startReplicationAt(
  provider: ReplicationProvider,
  spec: ReplicationPairSpec,
  source: AdminSession,
  topics: string[],
  starts: [string, number, number][],
): Promise<void> {
  if (provider instanceof KafkaConnectProvider) {
    const { source: connector } = connectorNames(spec.pair);
    await provider.client.stop(connector);
    // MirrorSourceTask resumes after the stored offset (the last record it copied): start - 1; none stored = from
    // the beginning.
    await provider.client.alterOffsets(
      connector,
      starts.map(([t, p, at]) => ({
        partition: mirrorSourcePartition(t, p),
        offset: at > 0 ? { offset: at - 1 } : null,
      })),
    );
  } else {
    // The event streams consume the source with their own group: its committed offsets are their positions.
    await provider.pause(spec);
    const group = replicatorGroup(spec.pair);
    for (const topic of topics) {
      const partitions = starts
        .filter(([t]) => t === topic)
        .map(([, partition, offset]) => ({ partition, offset: String(offset) }));
      if (partitions.length) await source.admin.setOffsets({ groupId: group, topic, partitions });
    }
  }
  await provider.resume(spec);
}
