// The two MirrorMaker 2 connector configs of a pair (pure): what KafkaConnectClient PUTs, and the names and
// aliases the rest of kafka-dr uses to find their tasks, offsets and checkpoints.
import type { ClusterSecurity } from '../kafka/clients';
import { ReplicationSpecError, type ReplicationEndpoint, type ReplicationPairSpec } from './types';

export const SOURCE_ALIAS = 'primary';
export const TARGET_ALIAS = 'secondary';
const MIRROR = 'org.apache.kafka.connect.mirror';
const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export function connectorNames(pair: string): { source: string; checkpoint: string } {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(pair)) {
    throw new ReplicationSpecError(`pair name "${pair}" cannot name a connector: use letters, digits, ".", "_" or "-"`);
  }
  return { source: `kdr-${pair}-mm2-source`, checkpoint: `kdr-${pair}-mm2-checkpoint` };
}

function listOrPattern(v: string[] | { pattern: string } | undefined, what: string): string {
  if (v === undefined) return '.*';
  if (Array.isArray(v)) {
    if (v.length === 0)
      throw new ReplicationSpecError(`${what} is an empty list: name at least one, or give { "pattern": "..." }`);
    // MM2 reads the list as comma-separated regexes; escape so names match literally.
    return v.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(',');
  }
  if (!v.pattern) throw new ReplicationSpecError(`${what}.pattern is empty`);
  return v.pattern;
}

/** Client settings for one side, with SASL secrets left to Connect's EnvVarConfigProvider (`${env:NAME}`). */
function clientSettings(prefix: string, e: ReplicationEndpoint): Record<string, string> {
  const out: Record<string, string> = { [`${prefix}.bootstrap.servers`]: e.bootstrapServers.join(',') };
  const s: ClusterSecurity | undefined = e.security;
  if (!s || s.protocol === 'plaintext') return out;
  out[`${prefix}.security.protocol`] = s.protocol.toUpperCase();
  if (s.caFile && (s.protocol === 'ssl' || s.protocol === 'sasl_ssl')) {
    // The same path on the Connect worker's host: a PEM trust store needs no password (KIP-651).
    out[`${prefix}.ssl.truststore.type`] = 'PEM';
    out[`${prefix}.ssl.truststore.location`] = s.caFile;
  }
  if (s.protocol === 'sasl_plaintext' || s.protocol === 'sasl_ssl') {
    if (!s.usernameEnv || !s.passwordEnv) {
      throw new ReplicationSpecError(
        `${prefix}: SASL needs security.usernameEnv and security.passwordEnv (environment variable names)`,
      );
    }
    const mech = (s.mechanism ?? 'plain').toUpperCase();
    const module =
      mech === 'PLAIN'
        ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
        : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    out[`${prefix}.sasl.mechanism`] = mech;
    // The worker resolves these from its own environment (config.providers=env); no secret is stored.
    out[`${prefix}.sasl.jaas.config`] =
      `${module} required username="\${env:${s.usernameEnv}}" password="\${env:${s.passwordEnv}}";`;
  }
  return out;
}

/** The two connector configs for a pair (pure; what `ensure` PUTs). */
export function mirrorConfigs(spec: ReplicationPairSpec): {
  source: Record<string, string>;
  checkpoint: Record<string, string>;
} {
  if (!spec.primary?.bootstrapServers?.length) throw new ReplicationSpecError('primary.bootstrapServers is empty');
  if (!spec.secondary?.bootstrapServers?.length) throw new ReplicationSpecError('secondary.bootstrapServers is empty');
  const rf = String(spec.replicationFactor ?? 3);
  const common: Record<string, string> = {
    'source.cluster.alias': SOURCE_ALIAS,
    'target.cluster.alias': TARGET_ALIAS,
    ...clientSettings('source.cluster', spec.primary),
    ...clientSettings('target.cluster', spec.secondary),
    // Connect writes the connectors' records with its worker's producer, to the cluster Connect lives on;
    // target.cluster.* reaches only MM2's admin and offset-sync clients. Without this, a Connect cluster that
    // is not on the secondary copied the topics into its own cluster while every status said "running".
    ...clientSettings('producer.override', spec.secondary),
    'replication.policy.class': `${MIRROR}.IdentityReplicationPolicy`,
    topics: listOrPattern(spec.topics, 'topics'),
    'key.converter': BYTES,
    'value.converter': BYTES,
    'header.converter': BYTES,
    // Offset syncs next to the checkpoints on the secondary, so translation does not need the primary.
    'offset-syncs.topic.location': 'target',
    'offset-syncs.topic.replication.factor': rf,
    'tasks.max': '4',
  };
  const source = {
    'connector.class': `${MIRROR}.MirrorSourceConnector`,
    ...common,
    'replication.factor': rf,
    // A sync every 10 records at most: bounds MM2's translation slack (KIP-382, MirrorMaker 2.0: a checkpoint uses the newest offset sync at or before the group's offset).
    'offset.lag.max': '10',
    'refresh.topics.interval.seconds': '10',
    'sync.topic.acls.enabled': 'false',
    ...spec.extra,
  };
  const checkpoint = {
    'connector.class': `${MIRROR}.MirrorCheckpointConnector`,
    ...common,
    groups: listOrPattern(spec.groups, 'groups'),
    'emit.checkpoints.interval.seconds': '5',
    'refresh.groups.interval.seconds': '10',
    // kafka-dr resets group offsets itself, after a human approved the plan.
    'sync.group.offsets.enabled': 'false',
    'checkpoints.topic.replication.factor': rf,
    ...spec.extra,
  };
  // Connect expands ${provider:...} in any value: only the SASL settings kafka-dr writes itself may hold one.
  for (const [name, config] of [
    ['source', source],
    ['checkpoint', checkpoint],
  ] as const) {
    for (const [key, value] of Object.entries(config)) {
      if (value.includes('${') && !key.endsWith('.sasl.jaas.config')) {
        throw new ReplicationSpecError(
          `${name} connector setting ${key} contains "\${", which Kafka Connect would expand: remove it from the pair's config`,
        );
      }
    }
  }
  return { source, checkpoint };
}

/** How MirrorSourceConnector keys its stored position of one source partition (MirrorUtils.wrapPartition). */
export function mirrorSourcePartition(topic: string, partition: number): Record<string, unknown> {
  return { cluster: SOURCE_ALIAS, partition, topic };
}
