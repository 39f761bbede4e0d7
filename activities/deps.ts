// What activities need from the outside world, built once per worker from its environment. Tests build their
// own (pointing at the local stack or at a private emulator) and pass them to createActivities.
import type { Kafka } from 'kafkajs';
import { createCloudClients, type CloudClients } from '../src/cloud';
import { loadPairsFile, pairsFilePath } from '../src/config/file';
import type { ClusterConfig, PairConfig } from '../src/config';
import { createKafka, KafkaConfigError, type ClusterSecurity } from '../src/kafka/clients';

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
    caFile: s.caFile,
  };
}

/**
 * KDR_REPLICATION_FACTOR: the replication factor of the topics kafka-dr creates (replicas of application topics on
 * the secondary, its positions topic); unset means the cluster's default. Read in one place so a bad value fails
 * the same way everywhere: at once, naming the variable.
 */
export function replicationFactorOf(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.KDR_REPLICATION_FACTOR;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 32) {
    throw new KafkaConfigError(
      `KDR_REPLICATION_FACTOR must be an integer from 1 to 32 (replicas of the topics kafka-dr creates), got "${raw}": ` +
        'fix it, or unset it to use the cluster default',
    );
  }
  return n;
}

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  let cloud: CloudClients | undefined;
  return {
    env,
    cloud: () => (cloud ??= createCloudClients(env)),
    kafka: (cluster, purpose) =>
      createKafka(
        { bootstrapServers: cluster.bootstrapServers, security: clusterSecurity(cluster) },
        { clientId: `kafka-dr-${purpose}` },
      ),
    pairs: () => loadPairsFile(pairsFilePath(env)).pairs,
  };
}
