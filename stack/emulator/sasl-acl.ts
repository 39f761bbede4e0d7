// Emulated alikafka SASL users, ACLs and topic configs (DescribeSaslUsers, CreateSaslUser, DescribeAcls, CreateAcl,
// UpdateTopicConfig) over the real local clusters: a user is a SCRAM credential of the backing cluster and an ACL
// is a Kafka ACL, so the brokers' SASL_SSL listeners (StandardAuthorizer, stack/services.ts) really refuse a client
// whose user or ACL is missing. Parameters and values follow the official models (PyPI
// alibabacloud-alikafka20190916: CreateAclRequest, DescribeAclsRequest, CreateSaslUserRequest,
// UpdateTopicConfigRequest) and the API pages:
//   https://www.alibabacloud.com/help/en/message-queue-for-apache-kafka/latest/createacl
//   https://www.alibabacloud.com/help/en/message-queue-for-apache-kafka/latest/describeacls
//   https://www.alibabacloud.com/help/en/message-queue-for-apache-kafka/latest/createsasluser
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import { openCluster, type ProtocolHandle } from '../../src/kafka/protocol';
import { setTopicConfigs } from '../../src/kafka/protocol/incremental-alter-configs';
import { deleteScramUser, describeScramUsers, upsertScramUser } from '../../src/kafka/protocol/user-scram';
import { PopError, need } from './pop';
import type { EmulatedInstance } from './instances';
import type { StateStore } from './state';

/** ApsaraMQ spelling ↔ kafkajs enum. */
const RESOURCE: Record<string, AclResourceTypes> = {
  Topic: AclResourceTypes.TOPIC,
  Group: AclResourceTypes.GROUP,
  Cluster: AclResourceTypes.CLUSTER,
  TransactionalId: AclResourceTypes.TRANSACTIONAL_ID,
};
const OPERATION: Record<string, AclOperationTypes> = {
  Write: AclOperationTypes.WRITE,
  Read: AclOperationTypes.READ,
  Describe: AclOperationTypes.DESCRIBE,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
  IDEMPOTENT_WRITE: AclOperationTypes.IDEMPOTENT_WRITE,
  DESCRIBE_CONFIGS: AclOperationTypes.DESCRIBE_CONFIGS,
};
const PATTERN: Record<string, ResourcePatternTypes> = {
  LITERAL: ResourcePatternTypes.LITERAL,
  PREFIXED: ResourcePatternTypes.PREFIXED,
};
const PERMISSION: Record<string, AclPermissionTypes> = {
  ALLOW: AclPermissionTypes.ALLOW,
  DENY: AclPermissionTypes.DENY,
};
const nameIn = <T>(table: Record<string, T>, v: T, fallback?: Record<string, unknown>): string =>
  Object.entries(table).find(([, x]) => x === v)?.[0] ??
  (fallback ? Object.entries(fallback).find(([, x]) => x === v)?.[0] : undefined) ??
  String(v);

/** UpdateTopicConfig on a reserved instance: the keys and ranges of UpdateTopicConfigRequest.value. */
const TOPIC_CONFIGS: Record<string, (v: string) => boolean> = {
  'retention.ms': (v) => /^\d+$/.test(v) && Number(v) >= 3_600_000 && Number(v) <= 31_536_000_000,
  'max.message.bytes': (v) => /^\d+$/.test(v) && Number(v) >= 1_048_576 && Number(v) <= 10_485_760,
  'message.timestamp.type': (v) => v === 'CreateTime' || v === 'LogAppendTime',
  'message.timestamp.difference.max.ms': (v) => /^\d+$/.test(v),
};

function oneOf<T>(p: Record<string, string>, name: string, table: Record<string, T>, value = need(p, name)): T {
  const v = table[value];
  if (v === undefined) {
    throw new PopError(
      'InvalidParameter',
      `The specified parameter ${name} "${value}" is not valid: one of ${Object.keys(table).join(', ')}.`,
    );
  }
  return v;
}

/** The Kafka principal of an ApsaraMQ user name ("*" = every user). */
const principalOf = (username: string) => `User:${username}`;

export class AlikafkaSecurity {
  private readonly handles = new Map<string, Promise<{ kafka: Kafka; admin: Admin; protocol: ProtocolHandle }>>();

  constructor(private readonly store: StateStore) {}

  async handle(inst: EmulatedInstance, action: string, p: Record<string, string>): Promise<Record<string, unknown>> {
    switch (action) {
      case 'DescribeSaslUsers':
        return this.describeSaslUsers(inst);
      case 'CreateSaslUser':
        return this.createSaslUser(inst, p);
      case 'DescribeAcls':
        return this.describeAcls(inst, p);
      case 'CreateAcl':
        return this.createAcl(inst, p);
      case 'UpdateTopicConfig':
        return this.updateTopicConfig(inst, p);
      case 'DeleteAcl':
        return this.deleteAcl(inst, p);
      case 'DeleteSaslUser':
        return this.deleteSaslUser(inst, p);
      default:
        throw new PopError('InvalidAction.NotFound', `Specified api "${action}" is not found.`, 404);
    }
  }

  /** Whether the backing cluster enforces ACLs (AllConfig enable.acl): describeAcls answers SECURITY_DISABLED if not. */
  async aclEnabled(inst: EmulatedInstance): Promise<boolean> {
    try {
      await this.with(inst, ({ admin }) => admin.describeAcls(anyFilter({ resourceType: AclResourceTypes.TOPIC })));
      return true;
    } catch {
      return false;
    }
  }

  private open(inst: EmulatedInstance) {
    let h = this.handles.get(inst.instanceId);
    if (!h) {
      h = (async () => {
        const kafka = new Kafka({
          clientId: `kdr-emulator-security-${inst.instanceId}`,
          brokers: [inst.bootstrap],
          logLevel: logLevel.NOTHING,
          connectionTimeout: 3000,
          requestTimeout: 10_000,
          retry: { retries: 2, initialRetryTime: 100 },
        });
        const admin = kafka.admin();
        await admin.connect();
        const protocol = await openCluster(kafka).catch(async (err: unknown) => {
          await admin.disconnect().catch(() => undefined);
          throw err;
        });
        return { kafka, admin, protocol };
      })();
      h.catch(() => this.handles.delete(inst.instanceId));
      this.handles.set(inst.instanceId, h);
    }
    return h;
  }

  private async with<T>(
    inst: EmulatedInstance,
    fn: (h: { admin: Admin; protocol: ProtocolHandle }) => Promise<T>,
  ): Promise<T> {
    let h;
    try {
      h = await this.open(inst);
    } catch (err) {
      throw new PopError(
        'ONS_SYSTEM_ERROR',
        `The instance ${inst.instanceId} cannot be reached right now: ${(err as Error).message}`,
        500,
      );
    }
    try {
      return await fn(h);
    } catch (err) {
      if (err instanceof PopError) throw err;
      if (/Connection|Network|Timeout/.test((err as Error).name ?? '')) {
        this.handles.delete(inst.instanceId);
        await Promise.allSettled([h.admin.disconnect(), h.protocol.close()]);
      }
      throw err;
    }
  }

  private async requireAcl(inst: EmulatedInstance): Promise<void> {
    if (!(await this.aclEnabled(inst))) {
      throw new PopError(
        'BIZ_ACL_NOT_ENABLED',
        `ACL is not enabled on instance ${inst.instanceId}: enable it in the console first.`,
      );
    }
  }

  private async describeSaslUsers(inst: EmulatedInstance): Promise<Record<string, unknown>> {
    const users = await this.with(inst, ({ protocol }) => describeScramUsers(protocol));
    // One entry per credential. The real API also returns each password; SCRAM keeps only a salted hash, so the
    // emulator has none to return and leaves the optional field out.
    const SaslUserVO = users.map((u) => ({ Username: u.name, Type: 'scram', Mechanism: u.mechanism }));
    return { SaslUserList: { SaslUserVO } };
  }

  private async createSaslUser(inst: EmulatedInstance, p: Record<string, string>): Promise<Record<string, unknown>> {
    const username = need(p, 'Username');
    const password = need(p, 'Password');
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(username)) {
      throw new PopError(
        'InvalidParameter',
        `The specified parameter Username "${username}" is not valid: 1-64 letters, digits, _ . -.`,
      );
    }
    const type = p.Type || 'plain';
    if (type !== 'scram') {
      throw new PopError(
        'InvalidParameter',
        `Type "${type}" is not supported by the emulated instances: their SASL_SSL endpoints speak SCRAM only (pass Type=scram).`,
      );
    }
    // Reserved instances use SCRAM-SHA-256 (CreateSaslUserRequest.type); Mechanism chooses on Serverless ones.
    const mechanism = p.Mechanism || 'SCRAM-SHA-256';
    if (mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
      throw new PopError(
        'InvalidParameter',
        `The specified parameter Mechanism "${mechanism}" is not valid: SCRAM-SHA-512 or SCRAM-SHA-256.`,
      );
    }
    await this.requireAcl(inst);
    await this.with(inst, ({ protocol }) => upsertScramUser(protocol, username, mechanism, password));
    return {};
  }

  private async describeAcls(inst: EmulatedInstance, p: Record<string, string>): Promise<Record<string, unknown>> {
    const username = need(p, 'Username');
    const resourceType = oneOf(p, 'AclResourceType', RESOURCE);
    const name = need(p, 'AclResourceName');
    const pattern = p.AclResourcePatternType ? oneOf(p, 'AclResourcePatternType', PATTERN) : undefined;
    const operation = p.AclOperationType ? oneOf(p, 'AclOperationType', OPERATION) : undefined;
    const permission = p.AclPermissionType ? oneOf(p, 'AclPermissionType', PERMISSION) : undefined;
    await this.requireAcl(inst);
    const res = await this.with(inst, ({ admin }) =>
      admin.describeAcls(anyFilter({ resourceType, principal: principalOf(username) })),
    );
    // "*" lists every ACL of the user on the type; a name lists those that apply to it (literal, "*", a prefix of it).
    const applies = (resName: string, resPattern: ResourcePatternTypes) =>
      name === '*' ||
      (resPattern === ResourcePatternTypes.LITERAL && (resName === name || resName === '*')) ||
      (resPattern === ResourcePatternTypes.PREFIXED && name.startsWith(resName));
    const KafkaAclVO = res.resources
      .filter((r) => applies(r.resourceName, r.resourcePatternType))
      .filter((r) => pattern === undefined || r.resourcePatternType === pattern)
      .flatMap((r) =>
        r.acls
          .filter(
            (a) =>
              (operation === undefined || a.operation === operation) &&
              (permission === undefined || a.permissionType === permission),
          )
          .filter((a) => !p.Host || a.host === p.Host)
          .map((a) => ({
            Username: a.principal.replace(/^User:/, ''),
            AclResourceType: nameIn(RESOURCE, r.resourceType),
            AclResourceName: r.resourceName,
            AclResourcePatternType: nameIn(PATTERN, r.resourcePatternType),
            AclOperationType:
              a.operation === AclOperationTypes.IDEMPOTENT_WRITE
                ? 'IdempotentWrite'
                : // An ACL made on the backing cluster outside the API (ALTER, say): Kafka's own name, never a number.
                  nameIn(OPERATION, a.operation, AclOperationTypes),
            AclPermissionType: nameIn(PERMISSION, a.permissionType),
            Host: a.host,
          })),
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return { KafkaAclList: { KafkaAclVO } };
  }

  /** CreateAcl's fields, as Kafka bindings (one per operation). */
  private bindings(p: Record<string, string>) {
    const username = need(p, 'Username');
    const resourceType = oneOf(p, 'AclResourceType', RESOURCE);
    const resourceName = need(p, 'AclResourceName');
    const pattern = oneOf(p, 'AclResourcePatternType', PATTERN);
    const operations = [oneOf(p, 'AclOperationType', OPERATION)];
    for (const op of (p.AclOperationTypes ?? '').split(',').filter(Boolean))
      operations.push(oneOf(p, 'AclOperationTypes', OPERATION, op.trim()));
    const permission = p.AclPermissionType ? oneOf(p, 'AclPermissionType', PERMISSION) : AclPermissionTypes.ALLOW;
    if (resourceType === AclResourceTypes.CLUSTER && resourceName !== 'kafka-cluster' && resourceName !== '*') {
      throw new PopError(
        'InvalidParameter',
        `AclResourceName "${resourceName}" is not valid for Cluster: use kafka-cluster or *.`,
      );
    }
    return [...new Set(operations)].map((operation) => ({
      resourceType,
      resourceName: resourceType === AclResourceTypes.CLUSTER ? 'kafka-cluster' : resourceName,
      resourcePatternType: pattern,
      principal: principalOf(username),
      host: p.Host || '*',
      operation,
      permissionType: permission,
    }));
  }

  private async deleteAcl(inst: EmulatedInstance, p: Record<string, string>): Promise<Record<string, unknown>> {
    const filters = this.bindings(p);
    await this.requireAcl(inst);
    await this.with(inst, ({ admin }) => admin.deleteAcls({ filters }));
    return {};
  }

  private async deleteSaslUser(inst: EmulatedInstance, p: Record<string, string>): Promise<Record<string, unknown>> {
    const username = need(p, 'Username');
    const mechanism = p.Mechanism || 'SCRAM-SHA-256';
    if ((p.Type || 'scram') !== 'scram') {
      throw new PopError(
        'InvalidParameter',
        `Type "${p.Type}" is not supported by the emulated instances (SCRAM only).`,
      );
    }
    await this.requireAcl(inst);
    await this.with(inst, ({ protocol }) => deleteScramUser(protocol, username, mechanism)).catch(
      (err: { type?: string }) => {
        if (err.type === 'RESOURCE_NOT_FOUND') {
          throw new PopError(
            'BIZ_SASL_USER_NOT_FOUND',
            `The SASL user ${username} (${mechanism}) does not exist on instance ${inst.instanceId}.`,
          );
        }
        throw err;
      },
    );
    return {};
  }

  private async createAcl(inst: EmulatedInstance, p: Record<string, string>): Promise<Record<string, unknown>> {
    const acl = this.bindings(p);
    await this.requireAcl(inst);
    await this.with(inst, ({ admin }) => admin.createAcls({ acl }));
    return {};
  }

  private async updateTopicConfig(inst: EmulatedInstance, p: Record<string, string>): Promise<Record<string, unknown>> {
    const topic = need(p, 'Topic');
    const config = need(p, 'Config');
    const value = need(p, 'Value');
    const valid = TOPIC_CONFIGS[config];
    if (!valid) {
      throw new PopError(
        'InvalidParameter',
        `The specified parameter Config "${config}" is not valid: ${Object.keys(TOPIC_CONFIGS).join(', ')} (local topics of reserved instances).`,
      );
    }
    if (!valid(value))
      throw new PopError('InvalidParameter', `The specified parameter Value "${value}" is not valid for ${config}.`);
    const saved = this.store.state.kafka.topics.find((t) => t.InstanceId === inst.instanceId && t.Topic === topic);
    if (saved && !saved.LocalTopic) {
      throw new PopError(
        'BIZ_TOPIC_CONFIG_NOT_SUPPORTED',
        `The topic ${topic} uses cloud storage: only local-storage topics of reserved instances can change their configuration.`,
      );
    }
    await this.with(inst, async ({ admin, protocol }) => {
      if (!(await admin.listTopics()).includes(topic)) {
        throw new PopError('BIZ_TOPIC_NOT_FOUND', `The topic ${topic} does not exist on instance ${inst.instanceId}.`);
      }
      await setTopicConfigs(protocol, topic, { [config]: value });
    });
    return { Data: '' };
  }

  /** The parity configs of topics, for GetTopicList's TopicConfig (a JSON string of the topic's settings). */
  async topicConfigs(inst: EmulatedInstance, topics: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (topics.length === 0) return out;
    const names = [
      'retention.ms',
      'retention.bytes',
      'cleanup.policy',
      'max.message.bytes',
      'min.insync.replicas',
      'compression.type',
    ];
    const described = await this.with(inst, ({ admin }) =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: names })),
      }),
    );
    for (const r of described.resources) {
      const configs: Record<string, string> = {};
      for (const c of r.configEntries) if (c.configValue !== null) configs[c.configName] = c.configValue;
      out.set(r.resourceName, configs);
    }
    return out;
  }

  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(
      all.map(async (h) => {
        const x = await h.catch(() => undefined);
        await Promise.allSettled([x?.admin.disconnect(), x?.protocol.close()]);
      }),
    );
  }
}

function anyFilter(o: { resourceType: AclResourceTypes; principal?: string }) {
  return {
    resourceType: o.resourceType,
    resourcePatternType: ResourcePatternTypes.ANY,
    principal: o.principal,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  };
}
