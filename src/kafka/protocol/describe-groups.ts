import type { InternalBroker, ProtocolHandle } from './cluster';
import { mapLimit } from './concurrency';
import { coordinatorsOf } from './find-coordinator';

/** DescribeGroups for many groups, batched per coordinator (kafkajs's admin asks FindCoordinator per group). */
export async function describeGroupsMany(
  handle: ProtocolHandle,
  groups: readonly string[],
  perRequest = 500,
): Promise<
  {
    groupId: string;
    state: string;
    errorCode: number;
    members: { clientId: string; clientHost: string }[];
  }[]
> {
  const { cluster } = handle;
  const chunks: { nodeId: string; groups: string[] }[] = [];
  for (const [nodeId, list] of await coordinatorsOf(cluster, groups)) {
    for (let i = 0; i < list.length; i += perRequest) chunks.push({ nodeId, groups: list.slice(i, i + perRequest) });
  }
  const answers = await mapLimit(chunks, 4, async (chunk) => {
    const broker: InternalBroker = await cluster.findBroker({ nodeId: chunk.nodeId });
    const { groups: described } = await broker.describeGroups({ groupIds: chunk.groups });
    return described as {
      groupId: string;
      state: string;
      errorCode: number;
      members: { clientId: string; clientHost: string }[];
    }[];
  });
  return answers.flat();
}
