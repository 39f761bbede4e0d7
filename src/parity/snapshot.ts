// What one side of a pair has that its clients rely on: SASL users, ACLs, topic settings, instance settings
// (the fields compared are explained in src/parity/model.ts). Pure: workflows import it.

export const PARITY_CONFIG_NAMES = [
  'retention.ms',
  'retention.bytes',
  'cleanup.policy',
  'max.message.bytes',
  'min.insync.replicas',
  'compression.type',
] as const;
export type ParityConfigName = (typeof PARITY_CONFIG_NAMES)[number];

/** One ACL binding in Kafka's canonical spelling: TOPIC/GROUP/CLUSTER/TRANSACTIONAL_ID, LITERAL/PREFIXED, READ… */
export interface AclEntry {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  operation: string;
  permission: string;
  host: string;
}

export interface TopicSettings {
  partitions: number;
  configs: Partial<Record<ParityConfigName, string>>;
}

export interface ParitySnapshot {
  users: { name: string; mechanism: string }[];
  acls: AclEntry[];
  topics: Record<string, TopicSettings>;
  instance?: { maxMessageBytes?: number; aclEnabled?: boolean };
}
