// DR pairs on the local stack, built in code (the demo, the tests and the benchmark make pairs with names of
// their own). The same shapes as the two pairs of config/pairs.example.jsonc.
import type { PairConfigInput } from '../src/config';
import { drAddress, local, ports } from './local-stack';
import { STACK_SASL_ENV, stackCaFile } from './tls';

const thresholds = { canaryTimeoutMs: 60_000, connectorReadyTimeoutMs: 120_000 };
const dns = (rr: string) => ({
  provider: 'alidns' as const,
  domain: 'kdr.test',
  rr,
  ttl: 5,
  resolvers: [local.dnsServer],
});

/** Self-managed Kafka on both local clusters, replicated by MirrorMaker 2; clients bootstrap from `<name>.kdr.test`. */
export function localKafkaPair(name: string, topics: string[]): PairConfigInput {
  return {
    name,
    primary: { provider: 'kafka', bootstrapServers: [local.primaryBootstrap], endpointHost: 'primary.kdr.test' },
    secondary: { provider: 'kafka', bootstrapServers: [local.secondaryBootstrap], endpointHost: 'secondary.kdr.test' },
    replication: {
      provider: 'kafka-connect',
      connectUrl: local.connectUrl,
      topics,
      canaryTopic: `${name}-canary`,
      thresholds,
    },
    dns: dns(name),
  };
}

/** ApsaraMQ on the two emulated instances, replicated by EventBridge event streams in the secondary's region. */
export function localApsaramqPair(name: string, topics: string[]): PairConfigInput {
  return {
    name,
    primary: {
      provider: 'apsaramq',
      region: 'cn-hangzhou',
      instanceId: 'alikafka_pre-cn-kdrprimary01',
      bootstrapServers: [local.primaryBootstrap],
      endpointHost: 'alikafka-pre-cn-kdrprimary01-1-vpc.alikafka.aliyuncs.com',
    },
    secondary: {
      provider: 'apsaramq',
      region: 'cn-shanghai',
      instanceId: 'alikafka_pre-cn-kdrsecond001',
      bootstrapServers: [local.secondaryBootstrap],
      endpointHost: 'alikafka-pre-cn-kdrsecond001-1-vpc.alikafka.aliyuncs.com',
    },
    replication: { provider: 'eventbridge', topics, canaryTopic: `${name}-canary`, thresholds },
    dns: dns(name),
  };
}

/**
 * The local-kafka pair over the brokers' SASL_SSL listeners (SCRAM-SHA-512 over TLS, the stack's CA): how a pair
 * reaches ApsaraMQ's public endpoints. Secrets by variable name only; the stack's worker environment has them.
 */
export function localKafkaSaslSslPair(name: string, topics: string[]): PairConfigInput {
  const plain = localKafkaPair(name, topics);
  const security = {
    protocol: 'SASL_SSL' as const,
    mechanism: 'SCRAM-SHA-512' as const,
    usernameEnv: STACK_SASL_ENV.username,
    passwordEnv: STACK_SASL_ENV.password,
    caFile: stackCaFile(),
  };
  const port = ports.drSaslSsl;
  return {
    ...plain,
    primary: { ...plain.primary, bootstrapServers: [`${drAddress.primary}:${port}`], security },
    secondary: { ...plain.secondary, bootstrapServers: [`${drAddress.secondary}:${port}`], security },
  };
}
