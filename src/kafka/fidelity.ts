// The replication fidelity profile of a pair: what its replicator was measured to preserve. Pure (no I/O, no
// clock), so a workflow and the planner can import it. The canary (src/kafka/canary.ts) measures it; the planner
// (src/plan/planner.ts) uses only what it allows. An unmeasured profile is the most pessimistic one.

export interface FidelityProfile {
  /** False until a canary measured it: every property below is then false. */
  measured: boolean;
  /** Each record landed in the partition it was written to on the primary. */
  partitionPreserved: boolean;
  /** Records of one primary partition arrived in their primary order. */
  orderPreserved: boolean;
  /** Each copy carries the primary record's timestamp (CreateTime), not the secondary's append time. */
  timestampPreserved: boolean;
  /** Keys (null included) and values arrived byte for byte. */
  keyValueIdentical: boolean;
  /** Headers arrived byte for byte. */
  headersPreserved: boolean;
  /** The canary run that measured it, and when (epoch ms); absent when unmeasured. */
  runId?: string;
  measuredAt?: number;
  /** Records the measurement was made on. */
  samples?: number;
}

/** What the tool assumes of a replicator it has not measured: nothing is preserved. */
export const UNMEASURED_PROFILE: FidelityProfile = {
  measured: false,
  partitionPreserved: false,
  orderPreserved: false,
  timestampPreserved: false,
  keyValueIdentical: false,
  headersPreserved: false,
};

/** The profile actually relied on: an unmeasured (or absent) one counts as preserving nothing. */
export function effectiveProfile(profile: FidelityProfile | undefined): FidelityProfile {
  if (!profile || !profile.measured) return UNMEASURED_PROFILE;
  return profile;
}

/** Per-partition translation (matched, checkpoint, primary-timestamp) needs partition and order kept. */
export function supportsPerPartition(profile: FidelityProfile | undefined): boolean {
  const p = effectiveProfile(profile);
  return p.partitionPreserved && p.orderPreserved;
}

/** Exact matching needs, on top, identical key, value, headers and timestamps (src/kafka/match.ts hashes them). */
export function supportsExactMatch(profile: FidelityProfile | undefined): boolean {
  const p = effectiveProfile(profile);
  return supportsPerPartition(p) && p.keyValueIdentical && p.headersPreserved && p.timestampPreserved;
}

/** One line for reports and plans, e.g. "measured (run x): partition kept, order kept, timestamp replaced, ...". */
export function describeProfile(profile: FidelityProfile | undefined): string {
  const p = effectiveProfile(profile);
  if (!p.measured) return 'unmeasured: assumed to preserve nothing (partition, order, timestamp, key/value, headers)';
  const kept = (b: boolean, what: string, lost = 'not kept') => `${what} ${b ? 'kept' : lost}`;
  return (
    `measured${p.runId ? ` (canary ${p.runId}, ${p.samples ?? '?'} records)` : ''}: ` +
    [
      kept(p.partitionPreserved, 'partition'),
      kept(p.orderPreserved, 'order'),
      kept(p.timestampPreserved, 'timestamp', 'replaced'),
      kept(p.keyValueIdentical, 'key/value', 'changed'),
      kept(p.headersPreserved, 'headers', 'dropped'),
    ].join(', ')
  );
}

/** A few words for a table column: what is kept, e.g. "all kept", "key/value only", "unmeasured". */
export function shortProfile(profile: FidelityProfile | undefined): string {
  const p = effectiveProfile(profile);
  if (!p.measured) return 'unmeasured';
  const kept = [
    p.partitionPreserved && 'partition',
    p.orderPreserved && 'order',
    p.timestampPreserved && 'timestamp',
    p.keyValueIdentical && 'key/value',
    p.headersPreserved && 'headers',
  ].filter((k): k is string => Boolean(k));
  if (kept.length === 5) return 'all kept';
  return kept.length ? `${kept.join(', ')} only` : 'nothing kept';
}

/** What the canary saw of one record it sent. */
export interface FidelitySample {
  seq: number;
  sent: { partition: number; key: string | null; value: string; timestamp: number; headers: Record<string, string> };
  /** Absent when the record did not arrive. */
  arrived?: {
    partition: number;
    offset: number;
    key: string | null;
    value: string;
    timestamp: number;
    headers: Record<string, string>;
  };
}

function sameHeaders(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/**
 * The profile from a canary's samples. A property is kept only if every arrived record shows it; nothing
 * arrived, or a record missing, leaves the profile unmeasured (pessimistic). Order: within each primary
 * partition, copies sit in increasing secondary offsets in send order (only comparable when partitions are kept).
 */
export function profileFromSamples(
  samples: readonly FidelitySample[],
  runId: string,
  measuredAt: number,
): FidelityProfile {
  const arrived = samples.filter((s) => s.arrived);
  if (arrived.length === 0 || arrived.length !== samples.length) return UNMEASURED_PROFILE;
  const partitionPreserved = arrived.every((s) => s.arrived!.partition === s.sent.partition);
  let orderPreserved = partitionPreserved;
  if (partitionPreserved) {
    const byPartition = new Map<number, FidelitySample[]>();
    for (const s of arrived) byPartition.set(s.sent.partition, [...(byPartition.get(s.sent.partition) ?? []), s]);
    for (const list of byPartition.values()) {
      const bySeq = [...list].sort((a, b) => a.seq - b.seq);
      for (let i = 1; i < bySeq.length; i++)
        if (bySeq[i].arrived!.offset <= bySeq[i - 1].arrived!.offset) orderPreserved = false;
    }
  }
  return {
    measured: true,
    partitionPreserved,
    orderPreserved,
    timestampPreserved: arrived.every((s) => s.arrived!.timestamp === s.sent.timestamp),
    keyValueIdentical: arrived.every((s) => s.arrived!.key === s.sent.key && s.arrived!.value === s.sent.value),
    headersPreserved: arrived.every((s) => sameHeaders(s.arrived!.headers, s.sent.headers)),
    runId,
    measuredAt,
    samples: samples.length,
  };
}
