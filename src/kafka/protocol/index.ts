// Direct Kafka protocol calls through kafkajs's cluster object, for the admin operations kafkajs's Admin does
// badly at DR scale (each file says which and why). One file per request family; this is the public surface.
// Kept on purpose rather than replaced by a library: kafkajs (2.2.4, the last release) speaks neither batched
// OffsetFetch v8 (KIP-709: many groups' committed offsets in one request) nor FindCoordinator v4 (KIP-699: many
// groups' coordinators in one request), and asks FindCoordinator again for every group, so a 10,000-group plan or
// reset would cost tens of thousands of round trips; per-partition ListOffsets and group-less Fetch are missing too.
export { KafkaInternalsError, openCluster, type ProtocolHandle } from './cluster';
export { mapLimit } from './concurrency';
export { tpKey, type PartitionRef } from './leaders';
export { EARLIEST, LATEST, listOffsets, type OffsetQuery } from './list-offsets';
export { recordsAt, type RecordAt } from './records-at';
export { fetchFrom, readRange, type FetchedRecord } from './fetch';
export { fetchCommitted, fetchCommittedEach, fetchCommittedMany } from './offset-fetch';
export { commitOffsets } from './offset-commit';
export { describeGroupsMany } from './describe-groups';
export { KafkaErrorCode } from './flexible';
