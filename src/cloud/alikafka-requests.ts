// What the ApsaraMQ for Kafka client's actions take (src/cloud/alikafka.ts). Every action also takes RegionId,
// the client's region.

export type OffsetReset =
  | { resetType: 'timestamp'; /** ms epoch, or -1 = latest, -2 = earliest */ time: number }
  | { resetType: 'offset'; offsets: { partition: number; offset: number | string }[] };

export interface TopicListRequest {
  instanceId: string;
  topic?: string;
  currentPage?: number;
  pageSize?: number;
}

export interface CreateTopicRequest {
  instanceId: string;
  topic: string;
  remark: string;
  partitionNum?: number;
  localTopic?: boolean;
  compactTopic?: boolean;
  replicationFactor?: number;
  minInsyncReplicas?: number;
  config?: Record<string, unknown>;
}

export interface ConsumerListRequest {
  instanceId: string;
  consumerId?: string;
  currentPage?: number;
  pageSize?: number;
}

export interface ConsumerGroupsRequest {
  instanceId: string;
  consumerId?: string;
  pageSize?: number;
}

export interface ConsumerProgressRequest {
  instanceId: string;
  consumerId: string;
  hideLastTimestamp?: boolean;
}

export interface NewSaslUser {
  instanceId: string;
  username: string;
  password: string;
  type?: 'plain' | 'scram';
  mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
}

export interface AclQuery {
  instanceId: string;
  username: string;
  resourceType: string;
  resourceName: string;
  patternType?: 'LITERAL' | 'PREFIXED';
  operation?: string;
  permission?: 'ALLOW' | 'DENY';
  host?: string;
}

export interface AclBinding {
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
}

export interface SaslUserRef {
  instanceId: string;
  username: string;
  type?: 'plain' | 'scram';
  mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
}
