// ApsaraMQ for Kafka OpenAPI 2019-09-16 (docs/alicloud-emulator.md, Sources §3). Every action takes RegionId.
import { z } from 'zod';
import { asJson, type PopRpc } from './rpc';
import { bool, num, offset, popEnvelope, wrapped } from './schemas';

const instanceVO = z.looseObject({
  InstanceId: z.string(),
  Name: z.string().optional(),
  RegionId: z.string(),
  ZoneId: z.string().optional(),
  VpcId: z.string().optional(),
  ServiceStatus: num.optional(),
  ViewInstanceStatusCode: num.optional(),
  EndPoint: z.string().optional(),
  DomainEndpoint: z.string().optional(),
  SslEndPoint: z.string().optional(),
  SslDomainEndpoint: z.string().optional(),
  SaslEndPoint: z.string().optional(),
  SaslDomainEndpoint: z.string().optional(),
  DeployType: num.optional(),
  SpecType: z.string().optional(),
  MsgRetain: num.optional(),
  /** A JSON string of instance settings: enable.acl, kafka.message.max.bytes, kafka.log.retention.hours, … */
  AllConfig: z.string().optional(),
  UpgradeServiceDetailInfo: z.looseObject({ Current2OpenSourceVersion: z.string().optional() }).optional(),
});
export type KafkaInstance = z.output<typeof instanceVO>;

const instanceListResponse = popEnvelope.extend({ InstanceList: wrapped('InstanceVO', instanceVO) });

const topicVO = z.looseObject({
  Topic: z.string(),
  InstanceId: z.string().optional(),
  RegionId: z.string().optional(),
  PartitionNum: num.optional(),
  Remark: z.string().optional(),
  LocalTopic: bool.optional(),
  CompactTopic: bool.optional(),
  AutoCreate: bool.optional(),
  CreateTime: num.optional(),
  Status: num.optional(),
  StatusName: z.string().optional(),
  /** A JSON string of the topic's settings. */
  TopicConfig: z.string().optional(),
});
export type KafkaTopicInfo = z.output<typeof topicVO>;

const pageFields = { Total: num.optional(), CurrentPage: num.optional(), PageSize: num.optional() };
const topicListResponse = popEnvelope.extend({ ...pageFields, TopicList: wrapped('TopicVO', topicVO) });

const consumerVO = z.looseObject({
  ConsumerId: z.string(),
  InstanceId: z.string().optional(),
  RegionId: z.string().optional(),
  Remark: z.string().optional(),
  CreateTime: num.optional(),
  AutomaticallyCreatedGroup: bool.optional(),
});
export type KafkaConsumerGroupInfo = z.output<typeof consumerVO>;
const consumerListResponse = popEnvelope.extend({ ...pageFields, ConsumerList: wrapped('ConsumerVO', consumerVO) });

const offsetVO = z.looseObject({
  Partition: num,
  BrokerOffset: offset,
  ConsumerOffset: offset,
  LastTimestamp: num.optional(),
  ClientId: z.string().optional(),
  ClientIp: z.string().optional(),
  MemberId: z.string().optional(),
});
const progressTopic = z.looseObject({
  Topic: z.string(),
  TotalDiff: num.optional(),
  LastTimestamp: num.optional(),
  OffsetList: wrapped('OffsetList', offsetVO),
});
const consumerProgressResponse = popEnvelope.extend({
  ConsumerProgress: z.looseObject({
    TotalDiff: num.optional(),
    LastTimestamp: num.optional(),
    /** Lower case in the official model (GetConsumerProgressResponseBodyConsumerProgress.state): STABLE, EMPTY, … */
    state: z.string().optional(),
    TopicList: wrapped('TopicList', progressTopic),
  }),
});
export type KafkaConsumerProgress = z.output<typeof consumerProgressResponse>['ConsumerProgress'];

const ack = popEnvelope.extend({ Success: z.boolean().optional(), Message: z.string().optional() });

// SASL users and ACLs (the instance's own, enforced on its SASL endpoints when ACL is on). DescribeSaslUsers also
// returns each Password: the schema does not read it and the client maps every user to name, type and mechanism.
const saslUserVO = z.object({ Username: z.string(), Type: z.string().optional(), Mechanism: z.string().optional() });
const saslUsersResponse = popEnvelope.extend({ SaslUserList: wrapped('SaslUserVO', saslUserVO) });
export interface KafkaSaslUser {
  username: string;
  /** plain or scram (ApsaraMQ's SCRAM is SCRAM-SHA-256 on reserved instances). */
  type: string;
  mechanism?: string;
}

const aclVO = z.object({
  Username: z.string(),
  AclResourceType: z.string(),
  AclResourceName: z.string(),
  AclResourcePatternType: z.string().optional(),
  AclOperationType: z.string(),
  AclPermissionType: z.string().optional(),
  Host: z.string().optional(),
});
export type KafkaAcl = z.output<typeof aclVO>;
const aclsResponse = popEnvelope.extend({ KafkaAclList: wrapped('KafkaAclVO', aclVO) });

export interface Page<T> {
  total: number;
  currentPage: number;
  pageSize: number;
  items: T[];
}

export type OffsetReset =
  | { resetType: 'timestamp'; /** ms epoch, or -1 = latest, -2 = earliest */ time: number }
  | { resetType: 'offset'; offsets: { partition: number; offset: number | string }[] };

export class AlikafkaClient {
  constructor(
    private readonly rpc: PopRpc,
    readonly region: string,
  ) {}

  async getInstanceList(opts: { instanceIds?: string[] } = {}): Promise<KafkaInstance[]> {
    const res = await this.rpc.call(
      'GetInstanceList',
      { RegionId: this.region, InstanceId: opts.instanceIds },
      instanceListResponse,
    );
    return res.InstanceList;
  }

  async getInstance(instanceId: string): Promise<KafkaInstance | undefined> {
    return (await this.getInstanceList({ instanceIds: [instanceId] })).find((i) => i.InstanceId === instanceId);
  }

  async getTopicList(opts: {
    instanceId: string;
    topic?: string;
    currentPage?: number;
    pageSize?: number;
  }): Promise<Page<KafkaTopicInfo>> {
    const res = await this.rpc.call(
      'GetTopicList',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        Topic: opts.topic,
        CurrentPage: opts.currentPage === undefined ? undefined : String(opts.currentPage),
        PageSize: opts.pageSize === undefined ? undefined : String(opts.pageSize),
      },
      topicListResponse,
    );
    return page(res, res.TopicList, opts);
  }

  /** Every topic (all pages); `topic` filters by name as the API does. */
  async listTopics(opts: { instanceId: string; topic?: string; pageSize?: number }): Promise<KafkaTopicInfo[]> {
    return collect((currentPage) => this.getTopicList({ ...opts, currentPage, pageSize: opts.pageSize ?? 100 }));
  }

  async createTopic(opts: {
    instanceId: string;
    topic: string;
    remark: string;
    partitionNum?: number;
    localTopic?: boolean;
    compactTopic?: boolean;
    replicationFactor?: number;
    minInsyncReplicas?: number;
    config?: Record<string, unknown>;
  }): Promise<void> {
    await this.rpc.call(
      'CreateTopic',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        Topic: opts.topic,
        Remark: opts.remark,
        PartitionNum: opts.partitionNum === undefined ? undefined : String(opts.partitionNum),
        LocalTopic: opts.localTopic,
        CompactTopic: opts.compactTopic,
        ReplicationFactor: opts.replicationFactor,
        MinInsyncReplicas: opts.minInsyncReplicas,
        Config: opts.config,
      },
      ack,
    );
  }

  /** Deletes a topic and its records. BIZ_TOPIC_NOT_FOUND when the instance has no such topic. */
  async deleteTopic(opts: { instanceId: string; topic: string }): Promise<void> {
    await this.rpc.call('DeleteTopic', { RegionId: this.region, InstanceId: opts.instanceId, Topic: opts.topic }, ack);
  }

  async getConsumerList(opts: {
    instanceId: string;
    consumerId?: string;
    currentPage?: number;
    pageSize?: number;
  }): Promise<Page<KafkaConsumerGroupInfo>> {
    const res = await this.rpc.call(
      'GetConsumerList',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        ConsumerId: opts.consumerId,
        CurrentPage: opts.currentPage,
        PageSize: opts.pageSize,
      },
      consumerListResponse,
    );
    return page(res, res.ConsumerList, opts);
  }

  async listConsumerGroups(opts: {
    instanceId: string;
    consumerId?: string;
    pageSize?: number;
  }): Promise<KafkaConsumerGroupInfo[]> {
    return collect((currentPage) => this.getConsumerList({ ...opts, currentPage, pageSize: opts.pageSize ?? 100 }));
  }

  async createConsumerGroup(opts: { instanceId: string; consumerId: string; remark?: string }): Promise<void> {
    await this.rpc.call(
      'CreateConsumerGroup',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        ConsumerId: opts.consumerId,
        Remark: opts.remark,
      },
      ack,
    );
  }

  /** Deletes a consumer group and its committed offsets. BIZ_SUBSCRIPTION_NOT_FOUND when it is not declared. */
  async deleteConsumerGroup(opts: { instanceId: string; consumerId: string }): Promise<void> {
    await this.rpc.call(
      'DeleteConsumerGroup',
      { RegionId: this.region, InstanceId: opts.instanceId, ConsumerId: opts.consumerId },
      ack,
    );
  }

  async getConsumerProgress(opts: {
    instanceId: string;
    consumerId: string;
    hideLastTimestamp?: boolean;
  }): Promise<KafkaConsumerProgress> {
    const res = await this.rpc.call(
      'GetConsumerProgress',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        ConsumerId: opts.consumerId,
        HideLastTimestamp: opts.hideLastTimestamp,
      },
      consumerProgressResponse,
    );
    return res.ConsumerProgress;
  }

  /** `topic: ''` resets every topic the group subscribes to (timestamp mode only). Refused while the group has members. */
  async updateConsumerOffset(
    opts: { instanceId: string; consumerId: string; topic: string } & OffsetReset,
  ): Promise<void> {
    await this.rpc.call(
      'UpdateConsumerOffset',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        ConsumerId: opts.consumerId,
        Topic: opts.topic,
        ResetType: opts.resetType,
        Time: opts.resetType === 'timestamp' ? String(opts.time) : undefined,
        Offsets:
          opts.resetType === 'offset'
            ? asJson(opts.offsets.map((o) => ({ Partition: o.partition, Offset: Number(o.offset) })))
            : undefined,
      },
      ack,
    );
  }

  /** The instance's SASL users: names, types and mechanisms (the API's Password field is never read). */
  async describeSaslUsers(opts: { instanceId: string }): Promise<KafkaSaslUser[]> {
    const res = await this.rpc.call(
      'DescribeSaslUsers',
      { RegionId: this.region, InstanceId: opts.instanceId },
      saslUsersResponse,
    );
    return res.SaslUserList.map((u) => ({
      username: u.Username,
      type: u.Type ?? 'plain',
      ...(u.Mechanism ? { mechanism: u.Mechanism } : {}),
    }));
  }

  /** Creates a SASL user (ApsaraMQ: ACL must be on). The password is sent once and never kept or logged. */
  async createSaslUser(opts: {
    instanceId: string;
    username: string;
    password: string;
    type?: 'plain' | 'scram';
    mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  }): Promise<void> {
    await this.rpc.call(
      'CreateSaslUser',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        Username: opts.username,
        Password: opts.password,
        Type: opts.type,
        Mechanism: opts.mechanism,
      },
      ack,
    );
  }

  /**
   * The ACLs of one user on one resource type. `resourceName` "*" lists them all; a name lists those that apply to
   * it; `patternType` narrows to LITERAL or PREFIXED bindings.
   */
  async describeAcls(opts: {
    instanceId: string;
    username: string;
    resourceType: string;
    resourceName: string;
    patternType?: 'LITERAL' | 'PREFIXED';
    operation?: string;
    permission?: 'ALLOW' | 'DENY';
    host?: string;
  }): Promise<KafkaAcl[]> {
    const res = await this.rpc.call(
      'DescribeAcls',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        Username: opts.username,
        AclResourceType: opts.resourceType,
        AclResourceName: opts.resourceName,
        AclResourcePatternType: opts.patternType,
        AclOperationType: opts.operation,
        AclPermissionType: opts.permission,
        Host: opts.host,
      },
      aclsResponse,
    );
    return res.KafkaAclList;
  }

  async createAcl(opts: {
    instanceId: string;
    username: string;
    resourceType: string;
    resourceName: string;
    patternType: 'LITERAL' | 'PREFIXED';
    operation: string;
    /** Several operations at once, comma-separated (serverless instances). */
    operations?: string;
    permission?: 'ALLOW' | 'DENY';
    host?: string;
  }): Promise<void> {
    await this.rpc.call(
      'CreateAcl',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        Username: opts.username,
        AclResourceType: opts.resourceType,
        AclResourceName: opts.resourceName,
        AclResourcePatternType: opts.patternType,
        AclOperationType: opts.operation,
        AclOperationTypes: opts.operations,
        AclPermissionType: opts.permission,
        Host: opts.host,
      },
      ack,
    );
  }

  /** Deletes one ACL (the same fields as createAcl). Test cleanup: kafka-dr never deletes an ACL. */
  async deleteAcl(opts: {
    instanceId: string;
    username: string;
    resourceType: string;
    resourceName: string;
    patternType: 'LITERAL' | 'PREFIXED';
    operation: string;
    operations?: string;
    permission?: 'ALLOW' | 'DENY';
    host?: string;
  }): Promise<void> {
    await this.rpc.call(
      'DeleteAcl',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        Username: opts.username,
        AclResourceType: opts.resourceType,
        AclResourceName: opts.resourceName,
        AclResourcePatternType: opts.patternType,
        AclOperationType: opts.operation,
        AclOperationTypes: opts.operations,
        AclPermissionType: opts.permission,
        Host: opts.host,
      },
      ack,
    );
  }

  /** Deletes a SASL user. Test cleanup: kafka-dr never deletes a user. */
  async deleteSaslUser(opts: {
    instanceId: string;
    username: string;
    type?: 'plain' | 'scram';
    mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  }): Promise<void> {
    await this.rpc.call(
      'DeleteSaslUser',
      {
        RegionId: this.region,
        InstanceId: opts.instanceId,
        Username: opts.username,
        Type: opts.type,
        Mechanism: opts.mechanism,
      },
      ack,
    );
  }

  /** Sets one topic config (reserved instances: local-storage topics, retention.ms and max.message.bytes among others). */
  async updateTopicConfig(opts: { instanceId: string; topic: string; config: string; value: string }): Promise<void> {
    await this.rpc.call(
      'UpdateTopicConfig',
      { RegionId: this.region, InstanceId: opts.instanceId, Topic: opts.topic, Config: opts.config, Value: opts.value },
      ack,
    );
  }
}

function page<T>(
  res: { Total?: number; CurrentPage?: number; PageSize?: number },
  items: T[],
  req: { currentPage?: number; pageSize?: number },
): Page<T> {
  return {
    total: res.Total ?? items.length,
    currentPage: res.CurrentPage ?? req.currentPage ?? 1,
    pageSize: res.PageSize ?? req.pageSize ?? items.length,
    items,
  };
}

export async function collect<T>(fetchPage: (currentPage: number) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  for (let current = 1; ; current++) {
    const p = await fetchPage(current);
    all.push(...p.items);
    if (p.items.length === 0 || all.length >= p.total || p.items.length < p.pageSize) return all;
    if (current > 10_000) throw new Error('pagination did not terminate after 10000 pages');
  }
}
