// What the secondary must have for the clients that follow the CNAME to be served as they were on the primary:
// the same SASL users, ACLs that allow at least as much (and deny no more), and topic settings that keep at least
// as much data and accept every record the primary accepted. Pure (no I/O, no Node built-ins): workflows import it.
//
// The peers replicate this with the data: MirrorMaker 2 (`sync.topic.configs`, `sync.topic.acls`, KIP-382),
// Confluent Cluster Linking (`acl.sync.enable`), MSK Replicator. Kafka's ACL semantics (pattern types, the
// operations that imply DESCRIBE) follow https://kafka.apache.org/documentation/#security_authz and KIP-290.
//
// "Equal enough", field by field (the secondary compared with the primary):
// - users: every primary user exists on the secondary with the same mechanism. Passwords are never read: a
//   user created by kdr takes its password from a named secret variable (userSecretVar). Extra users are fine.
// - ACLs: every primary ALLOW is covered by a secondary ALLOW that grants at least as much (same entry, or a
//   wildcard principal `User:*`, host `*`, operation ALL or one that implies it, resource `*` or a PREFIXED
//   pattern that contains the name). Every primary DENY must be on the secondary too (else the secondary lets in
//   what the primary keeps out). A secondary DENY that the primary lacks and that hits a primary ALLOW refuses
//   clients that were served: a gap, fixed by removing it (never done automatically).
// - retention.ms / retention.bytes: the secondary keeps at least as long / as much (-1 = infinite). Shorter is a
//   gap: replicated records keep their original timestamps, so a shorter retention deletes them on the secondary
//   before the primary would have, and a consumer that lags at failover finds its next records gone.
// - cleanup.policy: must match (as a set: "compact,delete" = "delete,compact"). compact on the secondary drops
//   the history a delete-topic consumer re-reads; delete on the secondary drops the last value of a key of a
//   changelog after retention (a state store rebuilt from it loses keys).
// - max.message.bytes (topic) and the instance's maximum message size: bigger on the secondary is fine, smaller
//   refuses the records (replicated or produced) the primary accepted (MESSAGE_TOO_LARGE).
// - partitions: must be equal. Fewer: records of the primary's partition p >= n have no partition p on the
//   secondary (replication keeps partition numbers). More is NOT fine either: producers pick a keyed record's
//   partition as hash(key) % count, so after failover a key's new records land in another partition than its
//   replicated history, and per-key order across the switch is lost (a compacted topic keeps two values of a key).
// - min.insync.replicas: must match. Higher refuses acks=all producers (NOT_ENOUGH_REPLICAS) whenever the
//   secondary's in-sync set is smaller; lower acknowledges writes held by fewer replicas than the application
//   was promised, so a broker loss on the secondary loses acknowledged data.
// - compression.type: must match, or the secondary keeps the producer's (`producer`). Another codec rewrites
//   every batch (a different stored size against retention.bytes) and zstd refuses consumers older than Kafka 2.1
//   (UNSUPPORTED_COMPRESSION_TYPE).
// - instance ACL on/off: must match. On where the primary has it off refuses every client without an ACL; off
//   where the primary has it on lets every client in (and ApsaraMQ creates SASL users only with ACL on).
// A field either side does not report (a provider that does not expose it) is not compared.

export * from './snapshot';
export * from './gap';
export { normalizeAcl, aclText, aclKey, aclCovers } from './acl';
export { shellWord, alikafkaAclWords, type FixTarget } from './fix';
export * from './compare';
