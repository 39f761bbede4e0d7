// ApsaraMQ for Kafka OpenAPI 2019-09-16 responses (docs/alicloud-emulator.md, Sources §3), as the client reads them.
import { z } from 'zod';
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

export const instanceListResponse = popEnvelope.extend({ InstanceList: wrapped('InstanceVO', instanceVO) });

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
export const topicListResponse = popEnvelope.extend({ ...pageFields, TopicList: wrapped('TopicVO', topicVO) });

const consumerVO = z.looseObject({
  ConsumerId: z.string(),
  InstanceId: z.string().optional(),
  RegionId: z.string().optional(),
  Remark: z.string().optional(),
  CreateTime: num.optional(),
  AutomaticallyCreatedGroup: bool.optional(),
});
export type KafkaConsumerGroupInfo = z.output<typeof consumerVO>;
export const consumerListResponse = popEnvelope.extend({
  ...pageFields,
  ConsumerList: wrapped('ConsumerVO', consumerVO),
});

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
export const consumerProgressResponse = popEnvelope.extend({
  ConsumerProgress: z.looseObject({
    TotalDiff: num.optional(),
    LastTimestamp: num.optional(),
    /** Lower case in the official model (GetConsumerProgressResponseBodyConsumerProgress.state): STABLE, EMPTY, … */
    state: z.string().optional(),
    TopicList: wrapped('TopicList', progressTopic),
  }),
});
export type KafkaConsumerProgress = z.output<typeof consumerProgressResponse>['ConsumerProgress'];

export const ack = popEnvelope.extend({ Success: z.boolean().optional(), Message: z.string().optional() });

// SASL users and ACLs (the instance's own, enforced on its SASL endpoints when ACL is on). DescribeSaslUsers also
// returns each Password: the schema does not read it and the client maps every user to name, type and mechanism.
const saslUserVO = z.object({ Username: z.string(), Type: z.string().optional(), Mechanism: z.string().optional() });
export const saslUsersResponse = popEnvelope.extend({ SaslUserList: wrapped('SaslUserVO', saslUserVO) });
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
export const aclsResponse = popEnvelope.extend({ KafkaAclList: wrapped('KafkaAclVO', aclVO) });
