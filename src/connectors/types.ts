// The contract every replication provider implements (kafka-connect = MirrorMaker 2 on Kafka Connect;
// eventbridge = the ApsaraMQ "sink connector" as an EventBridge event stream). Providers are stateless:
// every call takes the pair's replication spec, so an activity can build one per call.
import type { ClusterSecurity } from '../kafka/clients';
import type { AdminSession } from '../kafka/admin';
import { KdrError } from '../errors';

export type ReplicationKind = 'kafka-connect' | 'eventbridge';

export interface ReplicationEndpoint {
  bootstrapServers: string[];
  /** Secrets by environment-variable name only (see ClusterSecurity). */
  security?: ClusterSecurity;
  /** Cloud region and instance id, where the provider needs them (eventbridge). */
  region?: string;
  instanceId?: string;
}

export interface ReplicationPairSpec {
  /** DR pair name; connector/stream names are derived from it, so it must stay stable. */
  pair: string;
  primary: ReplicationEndpoint;
  secondary: ReplicationEndpoint;
  /** Topics to replicate: a list, or a Java/JS-compatible regular expression. */
  topics: string[] | { pattern: string };
  /** Consumer groups whose offsets are checkpointed (kafka-connect): a list or a pattern; default all. */
  groups?: string[] | { pattern: string };
  /** Replication factor of topics the provider creates on the secondary (default 3; 1 on the local stack). */
  replicationFactor?: number;
  /** Provider-specific settings merged last (e.g. extra MirrorMaker 2 properties); never secrets. */
  extra?: Record<string, string>;
}

export type ReplicationState = 'absent' | 'ready' | 'starting' | 'running' | 'paused' | 'failed';

export interface ReplicationTask {
  /** Which component ("<connector>/<task id>" for Connect; the stream for EventBridge). */
  id: string;
  state: string;
  cause?: string;
}

export interface ReplicationStatus {
  /** Provider id of the replication (connector names joined, or the event stream name). */
  id: string;
  state: ReplicationState;
  /** Why it is failed/starting, one line, operator-readable. */
  cause?: string;
  tasks?: ReplicationTask[];
}

export interface EnsureResult {
  id: string;
  /** Nothing existed before this call. */
  created: boolean;
  /** Something existed with a different configuration and was changed. */
  updated: boolean;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  primaryEnd: number;
  secondaryEnd: number;
  /** Records on the primary not yet on the secondary (primaryEnd - secondaryEnd, never below 0). */
  lag: number;
}

/**
 * "Caught up" means: for every replicated partition the secondary's log end has reached the primary's log
 * end as read at the start of the check (total lag <= tolerance). This assumes the secondary copy started
 * at the same offsets as the primary (MirrorMaker 2 from the beginning, no compaction gaps or transaction
 * markers); when that is not true, the canary round trip in connector-verify is the reliable check.
 */
export interface ReplicationLag {
  caughtUp: boolean;
  totalLag: number;
  partitions: PartitionLag[];
}

export interface ReplicationProvider {
  readonly kind: ReplicationKind;
  /** Create or update the replication so it matches `spec`; calling it again changes nothing. */
  ensure(spec: ReplicationPairSpec): Promise<EnsureResult>;
  state(spec: ReplicationPairSpec): Promise<ReplicationStatus>;
  /** Idempotent: pausing a paused (or absent) replication is not an error. */
  pause(spec: ReplicationPairSpec): Promise<void>;
  resume(spec: ReplicationPairSpec): Promise<void>;
  /** Idempotent: removing an absent replication returns { removed: false }. */
  remove(spec: ReplicationPairSpec): Promise<{ removed: boolean }>;
  lag(
    spec: ReplicationPairSpec,
    clusters: { primary: AdminSession; secondary: AdminSession },
    tolerance?: number,
  ): Promise<ReplicationLag>;
}

export class ReplicationSpecError extends KdrError {
  override name = 'ReplicationSpecError';
  readonly retryable = false;
}
