// What the offset planner reads and returns. Only data: the decisions are in sources.ts and planner.ts.
import type { SnapshotEvidence } from './snapshot';
import type { FidelityProfile } from '../kafka/fidelity';

export type OffsetSource =
  'matched' | 'snapshot' | 'checkpoint' | 'primary-timestamp' | 'group-timestamp' | 'operator-timestamp' | 'earliest';

/**
 * Preference order for ties (the highest proven-safe target wins; see choose() in sources.ts). `matched`
 * (the copy of the group's first unprocessed record, found by identity) is exact, so it comes first.
 */
export const SOURCE_ORDER: readonly OffsetSource[] = [
  'matched',
  'snapshot',
  'checkpoint',
  'primary-timestamp',
  'group-timestamp',
  'operator-timestamp',
  'earliest',
];

/** Sources that map one primary partition onto the same secondary partition: only for a partition-preserving replicator. */
export const PER_PARTITION_SOURCES: readonly OffsetSource[] = [
  'matched',
  'snapshot',
  'checkpoint',
  'primary-timestamp',
];

/** The newest MirrorMaker 2 checkpoint for (group, topic, partition), read on the secondary. */
export interface CheckpointEvidence {
  upstreamOffset: number;
  downstreamOffset: number;
}

/** What the primary said about the group on one partition (absent when the primary does not answer). */
export interface PrimaryEvidence {
  /** Next offset the group would read on the primary; -1 when it never committed on this partition. */
  committedOffset: number;
  /** Log start and end offsets of the partition on the primary, when known. */
  earliest?: number;
  end?: number;
  /** Timestamp of the first record the group had not processed (the record at max(committed, earliest)). */
  firstUnprocessedTimestamp?: number;
  /** Timestamp of the last record the group processed (the record at committed - 1). */
  lastProcessedTimestamp?: number;
}

export interface PartitionEvidence {
  topic: string;
  partition: number;
  /**
   * Log start and end (high watermark) of the partition on the secondary; `replicatedEnd`, when known, is the
   * offset just past the newest replicated record (records after it were written on the secondary itself, after
   * the switch, and cannot be read again): the duplicate bound counts up to there. `firstNew`, when known, is the
   * first record written on the secondary itself after a planned switch (no group has processed it): no target
   * may pass it, whatever the source says (src/kafka/post-switch.ts).
   */
  secondary: { earliest: number; end: number; replicatedEnd?: number; firstNew?: number };
  /** The secondary offset of the copy of the record at the group's committed offset, proven by identity. */
  matched?: { offset: number; proof: string };
  /** Why the exact match was tried and not proven (absent when it was not tried). */
  unmatched?: string;
  checkpoint?: CheckpointEvidence;
  primary?: PrimaryEvidence;
  /** drWatch's last stored position of the group here (src/plan/snapshot.ts); read when the primary does not answer. */
  snapshot?: SnapshotEvidence;
  /**
   * Answers of the secondary to "earliest offset whose timestamp is >= t" for the timestamps that
   * `timestampQueries` asked for, keyed by String(t); null means no such record (the answer is the log end).
   */
  offsetsForTimes?: Record<string, number | null>;
}

export interface GroupEvidence {
  group: string;
  partitions: PartitionEvidence[];
  /** Members currently in the group on the secondary; a group with members cannot be reset. */
  liveMembersOnSecondary?: number;
}

export interface PlanOptions {
  /** How far before the translated time the group is sent back, in ms. */
  marginMs: number;
  /** The replication latency measured by connector-verify (max), in ms; the margin used is never below it. */
  replicationLatencyMs: number;
  /** "The group had processed everything before this time" (epoch ms), given by the operator. */
  operatorTimestamp?: number;
  /** Sources the operator allows (default: all four); `earliest` is always allowed as the last resort. */
  sources?: readonly OffsetSource[];
  /**
   * What the pair's replicator was measured to preserve (src/kafka/fidelity.ts). Absent = the replicator is
   * taken to keep partition, order, timestamps, keys, values and headers (MirrorMaker 2 with the identity policy,
   * as measured in test/stack/connectors/mm2-preservation.test.ts); callers with an EventBridge pair must pass the
   * measured profile, or UNMEASURED_PROFILE, which allows only group-wide and operator sources.
   */
  fidelity?: FidelityProfile;
}

export interface PartitionTarget {
  topic: string;
  partition: number;
  offset: number;
  source: OffsetSource;
  /** The time the group was translated to (before the margin), for timestamp sources. */
  translatedTime?: number;
  /**
   * Upper bound on records the group will read again on this partition: every record between the target
   * and the secondary's log end, all of which may already have been processed.
   */
  duplicateBound: number;
  /** Records the group had not processed that the secondary no longer holds (retention); 0 normally. */
  missingOnSecondary: number;
  /** Why better sources were not used, and anything an operator should know. */
  notes: string[];
}

export interface UntranslatedPartition {
  topic: string;
  partition: number;
  reason: string;
}

export interface GroupPlan {
  group: string;
  partitions: PartitionTarget[];
  /** Sum of the partitions' duplicate bounds. */
  duplicateBound: number;
  /** Partitions placed at `earliest` because no source could translate them. */
  untranslated: UntranslatedPartition[];
  liveMembersOnSecondary: number;
}

export interface OffsetPlan {
  /** planHash (id.ts) over everything below; the sealed plan keeps it as `offsetsId` (seal.ts). */
  planId: string;
  marginMs: number;
  /** The replication fidelity the plan relied on, with a one-line description (absent: full preservation assumed). */
  fidelity?: FidelityProfile & { description: string };
  groups: GroupPlan[];
}

export interface TimestampQuery {
  topic: string;
  partition: number;
  timestamp: number;
}
