// Parity on self-managed Kafka through the Admin API: users (SCRAM credentials, KIP-554), ACLs, topic configs and
// the broker's message size. SCRAM and incremental config changes go through kafka-dr's own protocol code
// (src/kafka/protocol/), because kafkajs 2.2.4 has neither and a kafka-configs.sh JVM has no place in the product.
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import type { ProtocolHandle } from '../kafka/protocol';
import { setTopicConfigs } from '../kafka/protocol/incremental-alter-configs';
import { describeScramUsers, upsertScramUser } from '../kafka/protocol/user-scram';
import {
  PARITY_CONFIG_NAMES,
  normalizeAcl,
  type AclEntry,
  type ParityChange,
  type ParityConfigName,
  type ParityGap,
  type ParitySnapshot,
  type TopicSettings,
} from './model';
import { applyEach, missingSecret, type ParityApplyResult } from './apply';

export type { ParityApplyResult } from './apply';

/** What readParity/applyParity need of a cluster: kafkajs's Admin and a protocol connection (AdminSession has both). */
export interface ParityAdmin {
  readonly admin: Admin;
  readonly protocol: ProtocolHandle;
}

const nameOf = <T extends Record<string, string | number>>(e: T, v: number) =>
  (Object.entries(e).find(([, n]) => n === v)?.[0] as string | undefined) ?? `UNKNOWN_${v}`;

/** Error code 54: the broker runs without an authorizer (describeAcls is refused). */
function securityDisabled(err: unknown): boolean {
  const e = err as { type?: string; code?: number; message?: string };
  return (
    e.type === 'SECURITY_DISABLED' ||
    e.code === 54 ||
    /SECURITY_DISABLED|Security features are disabled/.test(e.message ?? '')
  );
}

async function readAcls(admin: Admin): Promise<AclEntry[] | undefined> {
  try {
    const r = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    return r.resources.flatMap((res) =>
      res.acls.map((a) =>
        normalizeAcl({
          resourceType: nameOf(AclResourceTypes, res.resourceType),
          resourceName: res.resourceName,
          patternType: nameOf(ResourcePatternTypes, res.resourcePatternType),
          principal: a.principal,
          operation: nameOf(AclOperationTypes, a.operation),
          permission: nameOf(AclPermissionTypes, a.permissionType),
          host: a.host,
        }),
      ),
    );
  } catch (err) {
    if (securityDisabled(err)) return undefined;
    throw err;
  }
}

async function readTopics(admin: Admin, topics: readonly string[]): Promise<Record<string, TopicSettings>> {
  const existing = new Set(await admin.listTopics());
  const names = [...new Set(topics)].filter((t) => existing.has(t)).sort();
  if (names.length === 0) return {};
  const meta = await admin.fetchTopicMetadata({ topics: names });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [...PARITY_CONFIG_NAMES] })),
  });
  const out: Record<string, TopicSettings> = {};
  for (const t of meta.topics) out[t.name] = { partitions: t.partitions.length, configs: {} };
  for (const r of described.resources) {
    const settings = out[r.resourceName];
    if (!settings) continue;
    for (const c of r.configEntries) {
      if ((PARITY_CONFIG_NAMES as readonly string[]).includes(c.configName) && c.configValue !== null) {
        settings.configs[c.configName as ParityConfigName] = c.configValue;
      }
    }
  }
  return out;
}

async function readMaxMessageBytes(admin: Admin): Promise<number | undefined> {
  const { brokers } = await admin.describeCluster();
  if (brokers.length === 0) return undefined;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: brokers.map((b) => ({
      type: ConfigResourceTypes.BROKER,
      name: String(b.nodeId),
      configNames: ['message.max.bytes'],
    })),
  });
  // The smallest broker limit is the cluster's: a partition led by that broker refuses bigger records.
  const values = described.resources
    .flatMap((r) => r.configEntries)
    .filter((c) => c.configName === 'message.max.bytes')
    .map((c) => Number(c.configValue))
    .filter((n) => Number.isFinite(n));
  return values.length > 0 ? Math.min(...values) : undefined;
}

/**
 * The cluster's users (names and mechanisms, never passwords), ACLs, the given topics' partitions and parity
 * configs (effective values, defaults included), and its message size limit and whether ACLs are enforced.
 * A cluster without an authorizer reports no ACLs and `aclEnabled: false`.
 */
export async function readParity(cluster: ParityAdmin, topics: readonly string[]): Promise<ParitySnapshot> {
  const acls = await readAcls(cluster.admin);
  const [users, topicSettings, maxMessageBytes] = await Promise.all([
    describeScramUsers(cluster.protocol),
    readTopics(cluster.admin, topics),
    readMaxMessageBytes(cluster.admin),
  ]);
  return {
    users,
    acls: acls ?? [],
    topics: topicSettings,
    instance: { maxMessageBytes, aclEnabled: acls !== undefined },
  };
}

function kafkajsAcl(a: AclEntry) {
  const enumOf = <T extends Record<string, string | number>>(e: T, what: string, v: string): number => {
    const n = (e as Record<string, string | number>)[v];
    if (typeof n !== 'number') throw new Error(`ACL ${what} "${v}" is not one Kafka knows`);
    return n;
  };
  return {
    resourceType: enumOf(AclResourceTypes, 'resource type', a.resourceType) as AclResourceTypes,
    resourceName: a.resourceName,
    resourcePatternType: enumOf(ResourcePatternTypes, 'pattern type', a.patternType) as ResourcePatternTypes,
    principal: a.principal,
    host: a.host,
    operation: enumOf(AclOperationTypes, 'operation', a.operation) as AclOperationTypes,
    permissionType: enumOf(AclPermissionTypes, 'permission', a.permission) as AclPermissionTypes,
  };
}

async function applyOne(
  cluster: ParityAdmin,
  change: ParityChange,
  secrets: (varName: string) => string | undefined,
): Promise<string> {
  switch (change.op) {
    case 'create-user': {
      const password = secrets(change.secretVar);
      if (!password) throw missingSecret(change);
      await upsertScramUser(cluster.protocol, change.user, change.mechanism, password);
      return `created ${change.mechanism} credential of ${change.user}`;
    }
    case 'create-acl':
      await cluster.admin.createAcls({ acl: [kafkajsAcl(normalizeAcl(change.acl))] });
      return 'created ACL';
    case 'set-topic-config':
      await setTopicConfigs(cluster.protocol, change.topic, { [change.name]: change.value });
      return `set ${change.name}=${change.value}`;
    case 'add-partitions': {
      const meta = await cluster.admin.fetchTopicMetadata({ topics: [change.topic] });
      const now = meta.topics[0]?.partitions.length ?? 0;
      if (now >= change.count) return `already ${now} partitions`;
      await cluster.admin.createPartitions({ topicPartitions: [{ topic: change.topic, count: change.count }] });
      return `${now} → ${change.count} partitions`;
    }
    case 'create-topic': {
      const created = await cluster.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: change.topic,
            numPartitions: change.partitions,
            replicationFactor: -1,
            configEntries: Object.entries(change.configs).map(([name, value]) => ({ name, value: String(value) })),
          },
        ],
      });
      return created ? `created with ${change.partitions} partitions` : 'already exists';
    }
  }
}

/**
 * Applies the gaps that have a change, one by one, on the secondary, and reports each: done, failed (with the
 * item and the broker's reason) or manual (no automatic change: its `fix`). Never throws for one item, so nothing
 * half-done goes unreported; idempotent (re-creating an ACL or a credential, or re-setting a config, changes
 * nothing). Passwords are read from `secrets(varName)` and never logged or returned.
 */
export function applyParity(
  cluster: ParityAdmin,
  gaps: readonly ParityGap[],
  secrets: (varName: string) => string | undefined,
): Promise<ParityApplyResult> {
  return applyEach(gaps, (change) => applyOne(cluster, change, secrets));
}
