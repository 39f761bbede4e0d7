// drFailover's first look: a drill (the primary answers) or an outage, and whether the secondary can take over
// (every replicated topic there, with the primary's partition counts), the replication's state and the latency
// the plan's margin must cover. The clusters come in as ports (src/failover/ports.ts builds them from admin
// sessions; tests pass fakes), so the decisions here run without a broker.
import { OperatorActionError } from '../errors';

export interface Assessment {
  primaryReachable: boolean;
  primaryError?: string;
  secondary: { brokers: number; clusterId?: string };
  topics: string[];
  partitions: number;
  connector: { state: string; cause?: string };
  /** Newest record timestamp on the secondary over the replicated topics (epoch ms), null when empty. */
  newestReplicatedAt: number | null;
  /** The replication latency the plan's margin must cover, and where the figure comes from. */
  latency: { ms: number; source: 'canary' | 'canary-secondary' | 'threshold' };
}

/** One side as assess reads it. */
export interface AssessedCluster {
  /** The pair's replicated topics as this side lists them (the configured list, or the pattern's matches). */
  replicatedTopics(): Promise<string[]>;
  /** Partition count per existing topic (absent topics are left out). */
  partitionCounts(topics: string[]): Promise<Map<string, number>>;
}

export interface AssessPorts {
  pair: string;
  /** What the bounded reachability check of the primary said. */
  primaryCheck: { reachable: boolean; error?: string };
  /** The primary's session, or null when it does not answer. */
  primary: AssessedCluster | null;
  secondary: AssessedCluster & {
    describe(): Promise<{ brokers: number; clusterId?: string }>;
    newestRecordTimestamp(topics: string[]): Promise<number | null>;
    /** The newest canary run's latency found on the secondary (null: none measured). */
    lastCanaryLatency(): Promise<number | null>;
  };
  /** The replication's state (the provider's answer). */
  connectorState(topics: string[]): Promise<{ state: string; cause?: string }>;
  /** A canary round trip primary -> secondary. */
  runCanary(): Promise<{ produced: number; received: number; latencyMs?: { max: number } | null }>;
  /** The pair's latency threshold, used when nothing was measured. */
  thresholdMs: number;
}

export async function assessFailover(ports: AssessPorts): Promise<Assessment> {
  const { primary, secondary } = ports;
  // Without the primary, the secondary's copies are the only list there is.
  const topics = await (primary ?? secondary).replicatedTopics();
  const onSecondary = await secondary.partitionCounts(topics);
  const missing = topics.filter((t) => !onSecondary.has(t));
  if (missing.length) {
    throw new OperatorActionError(
      'SecondaryIncomplete',
      `the secondary lacks replicated topic(s) ${missing.join(', ')}: it cannot take over; ` +
        `run drSetup for pair ${ports.pair} (or create them) first`,
    );
  }
  if (primary) {
    const onPrimary = await primary.partitionCounts(topics);
    const differ = topics.filter((t) => onPrimary.has(t) && onPrimary.get(t) !== onSecondary.get(t));
    if (differ.length) {
      const list = differ.map((t) => `${t} (primary ${onPrimary.get(t)}, secondary ${onSecondary.get(t)})`).join(', ');
      throw new OperatorActionError(
        'PartitionCountMismatch',
        `partition counts differ for ${list}: offsets cannot be mapped partition by partition`,
      );
    }
  }
  let connector: Assessment['connector'];
  try {
    const s = await ports.connectorState(topics);
    connector = { state: s.state, ...(s.cause ? { cause: s.cause } : {}) };
  } catch (err) {
    connector = { state: 'unknown', cause: (err as Error).message };
  }
  const latency = await latencyOf(ports, primary !== null, connector.state);
  const described = await secondary.describe();
  return {
    primaryReachable: primary !== null,
    ...(ports.primaryCheck.error ? { primaryError: ports.primaryCheck.error } : {}),
    secondary: { brokers: described.brokers, clusterId: described.clusterId },
    topics,
    partitions: [...onSecondary.values()].reduce((a, b) => a + b, 0),
    connector,
    newestReplicatedAt: await secondary.newestRecordTimestamp(topics),
    latency,
  };
}

/** A canary measured now when the primary answers and replication runs; else drWatch's last one; else the threshold. */
async function latencyOf(ports: AssessPorts, primary: boolean, state: string): Promise<Assessment['latency']> {
  if (primary && state === 'running') {
    const canary = await ports.runCanary().catch(() => undefined);
    if (canary?.latencyMs && canary.received === canary.produced) return { ms: canary.latencyMs.max, source: 'canary' };
  } else if (!primary) {
    // The primary is gone: the newest canary run on the secondary (drWatch runs one every few minutes) still
    // shows the stream's latency where the replicator stamps its append time.
    const last = await ports.secondary.lastCanaryLatency().catch(() => undefined);
    if (last !== null && last !== undefined) return { ms: last, source: 'canary-secondary' };
  }
  return { ms: ports.thresholdMs, source: 'threshold' };
}
