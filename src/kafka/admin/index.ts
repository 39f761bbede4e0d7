// Admin operations on one cluster, each a small function over an AdminSession (one kafkajs Admin plus one
// protocol connection, opened once and shared). Offsets are JS numbers: safe up to 2^53, far beyond any
// real partition. One file per concern; this is the public surface.
export { tpKey, type PartitionRef, type RecordAt } from '../protocol';
export {
  ClusterUnreachableError,
  GroupHasLiveMembersError,
  OffsetReadBackError,
  PartitionCountMismatchError,
  TopicMissingError,
} from './errors';
export { describeCluster, openAdmin, openProtocolSession, type AdminSession, type ClusterDescription } from './session';
export { ensureTopicsLike, matchTopics, partitionsOf, topicPartitionCounts, type EnsureTopicsResult } from './topics';
export {
  newestRecordTimestamp,
  offsetsForTimes,
  partitionOffsets,
  recordTimestamps,
  type PartitionOffsets,
} from './log-offsets';
export {
  committedOffsets,
  committedOffsetsMany,
  describeGroupMembers,
  groupsOnTopics,
  isInternalGroup,
  listConsumerGroups,
  type CommittedOffset,
  type GroupMembers,
} from './groups';
export {
  resetGroupOffsets,
  setGroupOffsets,
  setManyGroupOffsets,
  type GroupOffsetsReset,
  type GroupResetResult,
  type OffsetChange,
  type ProtocolSession,
  type SetManyResult,
  type SetOffsetsResult,
} from './set-offsets';
