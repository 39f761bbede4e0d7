// What activities need from the outside world, built once per worker from its environment. Tests build their
// own (pointing at the local stack or at a private emulator) and pass them to createActivities.
import type { Kafka } from 'kafkajs';
import { createCloudClients, type CloudClients } from '../src/cloud';
import { loadPairsFile, pairsFilePath } from '../src/config/file';
import type { ClusterConfig, PairConfig } from '../src/config';
import { createKafka, type ClusterSecurity } from '../src/kafka/clients';

export interface ActivityDeps {
  env: NodeJS.ProcessEnv;
  /** Alibaba Cloud clients; throws CloudConfigError (naming the variable) when credentials are missing. */
  cloud(): CloudClients;
  /** A kafkajs client for one side of a pair; secrets come from the env vars the config names. */
  kafka(cluster: ClusterConfig, purpose: string): Kafka;
  /** The named pairs of the worker's pairs file (KDR_PAIRS_FILE). */
  pairs(): Map<string, PairConfig>;
}

export function clusterSecurity(cluster: ClusterConfig): ClusterSecurity | undefined {
  const s = cluster.security;
  if (!s) return undefined;
  return {
    protocol: s.protocol.toLowerCase() as ClusterSecurity['protocol'],
    mechanism: s.mechanism?.toLowerCase() as ClusterSecurity['mechanism'],
    usernameEnv: s.usernameEnv,
    passwordEnv: s.passwordEnv,
  };
}

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  let cloud: CloudClients | undefined;
  return {
    env,
    cloud: () => (cloud ??= createCloudClients(env)),
    kafka: (cluster, purpose) =>
      createKafka({ bootstrapServers: cluster.bootstrapServers, security: clusterSecurity(cluster) }, { clientId: `kafka-dr-${purpose}` }),
    pairs: () => loadPairsFile(pairsFilePath(env)).pairs,
  };
}
