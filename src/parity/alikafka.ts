// Parity on ApsaraMQ for Kafka through the cloud layer: SASL users (DescribeSaslUsers; the API also returns
// passwords, which are dropped in src/cloud/alikafka.ts), each user's ACLs (DescribeAcls), topics (GetTopicList:
// PartitionNum, CompactTopic, TopicConfig) and instance limits (GetInstanceList AllConfig: enable.acl,
// kafka.message.max.bytes); applied with CreateSaslUser, CreateAcl, UpdateTopicConfig and CreateTopic.
//   https://www.alibabacloud.com/help/en/message-queue-for-apache-kafka/latest/describeacls
//   https://www.alibabacloud.com/help/en/message-queue-for-apache-kafka/latest/createsasluser
import type { AlikafkaClient, KafkaAcl } from '../cloud/alikafka';
import { mapLimit } from '../kafka/protocol/concurrency';
import {
  PARITY_CONFIG_NAMES,
  aclKey,
  alikafkaAclWords,
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

/** One ApsaraMQ instance: the cloud client of its region and its id. */
export interface AlikafkaSide {
  client: AlikafkaClient;
  instanceId: string;
}

const ACL_RESOURCE_TYPES = ['Topic', 'Group', 'Cluster', 'TransactionalId'];

/** Configs UpdateTopicConfig can set on a reserved instance's local-storage topics (UpdateTopicConfigRequest.config). */
export const ALIKAFKA_SETTABLE_CONFIGS: readonly ParityConfigName[] = ['retention.ms', 'max.message.bytes'];

function parseJson(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** ApsaraMQ's user type and mechanism as one SASL mechanism name: its "scram" is SCRAM-SHA-256 on reserved instances. */
export function mechanismOf(type: string, mechanism?: string): string {
  if (mechanism) return mechanism.toUpperCase();
  return type.toLowerCase() === 'scram' ? 'SCRAM-SHA-256' : type.toUpperCase();
}

function aclOf(a: KafkaAcl): AclEntry {
  return normalizeAcl({
    resourceType: a.AclResourceType,
    resourceName: a.AclResourceName,
    patternType: a.AclResourcePatternType ?? 'LITERAL',
    principal: a.Username,
    operation: a.AclOperationType,
    permission: a.AclPermissionType ?? 'ALLOW',
    host: a.Host ?? '*',
  });
}

async function readAcls(side: AlikafkaSide, usernames: string[], topics: readonly string[]): Promise<AclEntry[]> {
  // DescribeAcls needs a user, a resource type and a name: "*" lists a user's ACLs of a type; the pair's topics are
  // asked by name as well, so a gateway that reads "*" literally still answers for them.
  const queries = [...new Set([...usernames, '*'])].flatMap((username) => [
    ...ACL_RESOURCE_TYPES.map((resourceType) => ({ username, resourceType, resourceName: '*' })),
    ...topics.map((t) => ({ username, resourceType: 'Topic', resourceName: t })),
  ]);
  const answers = await mapLimit(queries, 4, (q) => side.client.describeAcls({ instanceId: side.instanceId, ...q }));
  const all = new Map<string, AclEntry>();
  for (const a of answers.flat().map(aclOf)) all.set(aclKey(a), a);
  return [...all.values()];
}

async function readTopics(side: AlikafkaSide, topics: readonly string[]): Promise<Record<string, TopicSettings>> {
  const wanted = new Set(topics);
  if (wanted.size === 0) return {};
  const listed = await side.client.listTopics({ instanceId: side.instanceId });
  const out: Record<string, TopicSettings> = {};
  for (const t of listed) {
    if (!wanted.has(t.Topic)) continue;
    const raw = parseJson(t.TopicConfig);
    const configs: TopicSettings['configs'] = {};
    for (const name of PARITY_CONFIG_NAMES) {
      const v = raw[name];
      if (v !== undefined && v !== null && v !== '') configs[name] = String(v);
    }
    if (configs['cleanup.policy'] === undefined && t.CompactTopic !== undefined) {
      configs['cleanup.policy'] = t.CompactTopic ? 'compact' : 'delete';
    }
    out[t.Topic] = { partitions: t.PartitionNum ?? 0, configs };
  }
  return out;
}

/**
 * The instance's users (names and mechanisms; passwords dropped by the client), ACLs (when ACL is on), the given
 * topics' partitions and the settings GetTopicList reports, and the instance's message size and ACL switch.
 */
export async function readParity(side: AlikafkaSide, topics: readonly string[]): Promise<ParitySnapshot> {
  const instance = await side.client.getInstance(side.instanceId);
  if (!instance) throw new Error(`ApsaraMQ instance ${side.instanceId} not found in region ${side.client.region}`);
  const all = parseJson(instance.AllConfig);
  const aclEnabled =
    all['enable.acl'] === undefined ? undefined : all['enable.acl'] === true || all['enable.acl'] === 'true';
  const max = Number(all['kafka.message.max.bytes']);
  const users = (await side.client.describeSaslUsers({ instanceId: side.instanceId })).map((u) => ({
    name: u.username,
    mechanism: mechanismOf(u.type, u.mechanism),
  }));
  const acls = aclEnabled === false ? [] : await readAcls(side, [...new Set(users.map((u) => u.name))], topics);
  return {
    users,
    acls,
    topics: await readTopics(side, topics),
    instance: {
      ...(Number.isFinite(max) && max > 0 ? { maxMessageBytes: max } : {}),
      ...(aclEnabled === undefined ? {} : { aclEnabled }),
    },
  };
}

async function applyOne(
  side: AlikafkaSide,
  change: ParityChange,
  secrets: (varName: string) => string | undefined,
): Promise<string> {
  const { client, instanceId } = side;
  switch (change.op) {
    case 'create-user': {
      const password = secrets(change.secretVar);
      if (!password) throw missingSecret(change);
      const plain = change.mechanism === 'PLAIN';
      if (!plain && change.mechanism !== 'SCRAM-SHA-256' && change.mechanism !== 'SCRAM-SHA-512') {
        throw new Error(
          `user ${change.user}: ApsaraMQ has no ${change.mechanism} users (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`,
        );
      }
      await client.createSaslUser({
        instanceId,
        username: change.user,
        password,
        type: plain ? 'plain' : 'scram',
        ...(plain ? {} : { mechanism: change.mechanism as 'SCRAM-SHA-256' | 'SCRAM-SHA-512' }),
      });
      return `created ${change.mechanism} user ${change.user}`;
    }
    case 'create-acl': {
      const acl = normalizeAcl(change.acl);
      const words = alikafkaAclWords(acl);
      if (!acl.principal.startsWith('User:'))
        throw new Error(`ACL principal ${acl.principal}: ApsaraMQ ACLs name users only`);
      if (!words.resourceType) throw new Error(`ApsaraMQ has no ACL resource type ${acl.resourceType}`);
      if (!words.operation)
        throw new Error(`ApsaraMQ has no ACL operation ${acl.operation} (Read, Write, Describe, IdempotentWrite)`);
      if (acl.patternType !== 'LITERAL' && acl.patternType !== 'PREFIXED')
        throw new Error(`ApsaraMQ has no ACL pattern type ${acl.patternType}`);
      await client.createAcl({
        instanceId,
        username: acl.principal.slice('User:'.length),
        resourceType: words.resourceType,
        resourceName: acl.resourceName,
        patternType: acl.patternType,
        operation: words.operation,
        // The defaults (ALLOW, every host) are left unsent: reserved instances take only these.
        ...(acl.permission === 'ALLOW' ? {} : { permission: acl.permission as 'DENY' }),
        ...(acl.host === '*' ? {} : { host: acl.host }),
      });
      return 'created ACL';
    }
    case 'set-topic-config':
      if (!ALIKAFKA_SETTABLE_CONFIGS.includes(change.name)) {
        throw new Error(
          `ApsaraMQ's UpdateTopicConfig cannot set ${change.name} (only ${ALIKAFKA_SETTABLE_CONFIGS.join(', ')} of local-storage topics): ` +
            `recreate ${change.topic} on the secondary with ${change.name}=${change.value}`,
        );
      }
      await client.updateTopicConfig({ instanceId, topic: change.topic, config: change.name, value: change.value });
      return `set ${change.name}=${change.value}`;
    case 'add-partitions':
      throw new Error(
        `topic ${change.topic}: add partitions on the secondary to ${change.count} in the ApsaraMQ console (ModifyPartitionNum), ` +
          'kdr does not change partition counts of an instance',
      );
    case 'create-topic': {
      const existing = await client.listTopics({ instanceId, topic: change.topic });
      if (existing.some((t) => t.Topic === change.topic)) return 'already exists';
      await client.createTopic({
        instanceId,
        topic: change.topic,
        remark: 'kafka-dr_parity',
        partitionNum: change.partitions,
      });
      return `created with ${change.partitions} partitions`;
    }
  }
}

/**
 * Applies the gaps that have a change on the secondary instance, each on its own, and reports each as done, failed
 * (the item and the API's reason: a config ApsaraMQ cannot set, an ACL it rejects, a secret variable unset) or
 * manual. Idempotent as far as the API is (CreateAcl of an existing ACL and UpdateTopicConfig to the same value
 * change nothing). Passwords are read from `secrets(varName)` only and never returned.
 */
export function applyParity(
  side: AlikafkaSide,
  gaps: readonly ParityGap[],
  secrets: (varName: string) => string | undefined,
): Promise<ParityApplyResult> {
  return applyEach(gaps, (change) => applyOne(side, change, secrets));
}
