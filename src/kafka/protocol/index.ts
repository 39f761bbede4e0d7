// Direct Kafka protocol calls through kafkajs's cluster object, for the admin operations kafkajs's Admin does
// badly at DR scale (each file says which and why). One file per request family; this is the public surface.
export { KafkaInternalsError, openCluster, type ProtocolHandle } from './cluster';
export { mapLimit } from './concurrency';
export { tpKey, type PartitionRef } from './leaders';
export { EARLIEST, LATEST, listOffsets, type OffsetQuery } from './list-offsets';
export { recordsAt, type RecordAt } from './records-at';
export { fetchFrom, readRange, type FetchedRecord } from './fetch';
export { fetchCommitted, fetchCommittedMany } from './offset-fetch';
export { commitOffsets } from './offset-commit';
export { describeGroupsMany } from './describe-groups';
export { KafkaErrorCode } from './flexible';
