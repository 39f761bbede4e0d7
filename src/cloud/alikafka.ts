// ApsaraMQ for Kafka OpenAPI 2019-09-16 (docs/alicloud-emulator.md, Sources §3). Every action takes RegionId.
import {
  ack,
  aclsResponse,
  consumerListResponse,
  consumerProgressResponse,
  instanceListResponse,
  saslUsersResponse,
  topicListResponse,
  type KafkaAcl,
  type KafkaConsumerGroupInfo,
  type KafkaConsumerProgress,
  type KafkaInstance,
  type KafkaSaslUser,
  type KafkaTopicInfo,
} from './alikafka-schemas';
import type {
  OffsetReset,
  TopicListRequest,
  CreateTopicRequest,
  ConsumerListRequest,
  ConsumerGroupsRequest,
  ConsumerProgressRequest,
  NewSaslUser,
  AclQuery,
  AclBinding,
  SaslUserRef,
} from './alikafka-requests';
import { collect, page, type Page } from './paging';
import { asJson, type PopRpc } from './rpc';

export type {
  KafkaAcl,
  KafkaConsumerGroupInfo,
  KafkaConsumerProgress,
  KafkaInstance,
  KafkaSaslUser,
  KafkaTopicInfo,
} from './alikafka-schemas';
export type * from './alikafka-requests';
export { collect, type Page } from './paging';

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

  async getTopicList(opts: TopicListRequest): Promise<Page<KafkaTopicInfo>> {
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
    return collect(
      (currentPage) => this.getTopicList({ ...opts, currentPage, pageSize: opts.pageSize ?? 100 }),
      (t) => t.Topic,
    );
  }

  async createTopic(opts: CreateTopicRequest): Promise<void> {
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

  async getConsumerList(opts: ConsumerListRequest): Promise<Page<KafkaConsumerGroupInfo>> {
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

  async listConsumerGroups(opts: ConsumerGroupsRequest): Promise<KafkaConsumerGroupInfo[]> {
    return collect(
      (currentPage) => this.getConsumerList({ ...opts, currentPage, pageSize: opts.pageSize ?? 100 }),
      (g) => g.ConsumerId,
    );
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

  async getConsumerProgress(opts: ConsumerProgressRequest): Promise<KafkaConsumerProgress> {
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
  async createSaslUser(opts: NewSaslUser): Promise<void> {
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
  async describeAcls(opts: AclQuery): Promise<KafkaAcl[]> {
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

  async createAcl(opts: AclBinding): Promise<void> {
    await this.rpc.call('CreateAcl', this.aclBinding(opts), ack);
  }

  /** Deletes one ACL (the same fields as createAcl). Test cleanup: kafka-dr never deletes an ACL. */
  async deleteAcl(opts: AclBinding): Promise<void> {
    await this.rpc.call('DeleteAcl', this.aclBinding(opts), ack);
  }

  /** The request fields of one ACL binding: CreateAcl and DeleteAcl name an ACL the same way. */
  private aclBinding(opts: AclBinding) {
    return {
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
    };
  }

  /** Deletes a SASL user. Test cleanup: kafka-dr never deletes a user. */
  async deleteSaslUser(opts: SaslUserRef): Promise<void> {
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
