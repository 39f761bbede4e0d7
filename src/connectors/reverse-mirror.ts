// MirrorMaker 2 on Kafka Connect writes through the Connect worker's own producer, which points at the Kafka
// cluster the Connect cluster lives on: `target.cluster.*` reaches only MM2's admin and offset-sync clients. A
// Connect cluster next to the secondary therefore copies INTO the secondary whatever the target says: in reverse
// (source = the secondary) that is a loop of the secondary onto itself, measured at ~50,000 records/s on the local
// stack. The reverse connectors override their producer to the real target (the worker must allow it:
// connector.client.config.override.policy=All, as the local stack and compose file set).
import { mirrorConfigs } from './kafka-connect';
import type { ReplicationPairSpec } from './types';

/** producer.override.* settings that send the connectors' records to spec.secondary (bootstrap and security alike). */
export function producerToTarget(spec: ReplicationPairSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(mirrorConfigs(spec).source)) {
    if (k.startsWith('target.cluster.')) out[`producer.override.${k.slice('target.cluster.'.length)}`] = v;
  }
  return out;
}
