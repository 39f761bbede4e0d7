// Canary round trip: produce records carrying a run id to the canary topic on the primary, read them back
// on the secondary, and measure how long replication took and what the replicator preserved (the fidelity
// profile, src/kafka/fidelity.ts): records go to chosen partitions, with keys (every third one null), a header
// and a timestamp an hour old, and are recognised on the secondary by their value alone, wherever they land.
// Reading uses plain Fetch requests from offsets captured before producing, so no consumer group is created.
import type { Kafka } from 'kafkajs';
import { partitionOffsets, type AdminSession } from './admin';
import { fetchFrom, mapLimit, readRange, type FetchedRecord } from './protocol';
import {
  describeProfile,
  profileFromSamples,
  UNMEASURED_PROFILE,
  type FidelityProfile,
  type FidelitySample,
} from './fidelity';
import { KdrError } from '../errors';

export const CANARY_RUN_HEADER = 'kdr-canary-run';

export interface CanaryOptions {
  runId: string;
  topic: string;
  /** Records to produce (spread over every partition, round robin). Default 10. */
  count?: number;
  /** Give up reading after this long, ms. Default 30000. */
  timeoutMs?: number;
}

export interface CanaryResult {
  runId: string;
  topic: string;
  produced: number;
  received: number;
  /** Sequence numbers (and partitions) not seen on the secondary before the deadline. */
  missing: { seq: number; partition: number }[];
  /** From produce to first seen on the secondary, ms; null when nothing arrived. */
  latencyMs: { p50: number; max: number; min: number } | null;
  /** Whether the secondary copies carry the primary's record timestamps. */
  timestampsPreserved: boolean | null;
  /** What the replicator preserved; unmeasured (preserves nothing) unless every record arrived. */
  fidelity: FidelityProfile;
  /** The profile in one line (describeProfile), for reports and workflow summaries. */
  fidelitySummary: string;
  elapsedMs: number;
}

export class CanaryError extends KdrError {
  override name = 'CanaryError';
  readonly retryable = true;
}

/** A canary record's value: enough to rebuild what was sent (key, timestamp, header, partition) from the copy alone. */
interface CanaryValue {
  runId: string;
  seq: number;
  producedAt: number;
  partition?: number;
  count?: number;
}

/** The canary's records carry a timestamp this far in the past, so a replaced timestamp cannot pass for kept. */
export const CANARY_TIMESTAMP_AGE_MS = 3_600_000;

/** What the canary sent for one value: key null for every third record, the timestamp an hour old, one header. */
function sentRecord(v: CanaryValue & { partition: number }, value: string): FidelitySample['sent'] {
  return {
    partition: v.partition,
    key: v.seq % 3 === 2 ? null : `${v.runId}-${v.seq}`,
    value,
    timestamp: v.producedAt - CANARY_TIMESTAMP_AGE_MS,
    headers: { [CANARY_RUN_HEADER]: v.runId },
  };
}

function arrivedRecord(r: FetchedRecord): NonNullable<FidelitySample['arrived']> {
  const headers: Record<string, string> = {};
  for (const [k, h] of Object.entries(r.headers)) headers[k] = headerText(h);
  return {
    partition: r.partition,
    offset: r.offset,
    key: r.key ? r.key.toString() : null,
    value: r.value ? r.value.toString() : '',
    timestamp: r.timestamp,
    headers,
  };
}

function headerText(v: unknown): string {
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined || one === null ? '' : String(one);
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export async function runCanary(
  primary: Kafka,
  secondary: AdminSession,
  options: CanaryOptions,
): Promise<CanaryResult> {
  const count = options.count ?? 10;
  const timeoutMs = options.timeoutMs ?? 30000;
  if (!options.runId) throw new CanaryError('canary runId is empty: pass the workflow run id');
  if (!Number.isInteger(count) || count < 1) throw new CanaryError(`canary count=${count}: give a positive integer`);
  const started = Date.now();

  // Where the secondary stands before we produce: only records past these offsets can be ours.
  const before = await partitionOffsets(secondary, [options.topic]);
  const partitions = before.map((p) => p.partition);

  const producer = primary.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const sentAt = new Map<number, { producedAt: number; partition: number }>();
  const samples = new Map<number, FidelitySample>();
  try {
    // One send per record: each gets its own produce time, so p50 and max mean something.
    for (let seq = 0; seq < count; seq++) {
      const producedAt = Date.now();
      const partition = partitions[seq % partitions.length];
      sentAt.set(seq, { producedAt, partition });
      const value = JSON.stringify({ runId: options.runId, seq, producedAt, partition, count } satisfies CanaryValue);
      const sent = sentRecord({ runId: options.runId, seq, producedAt, partition }, value);
      const { key, timestamp, headers } = sent;
      samples.set(seq, { seq, sent });
      await producer.send({
        topic: options.topic,
        acks: -1,
        messages: [{ partition, key, value, timestamp: String(timestamp), headers }],
      });
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }

  // A replicator that re-produces records may put any of them in any partition: read every partition until
  // every record was seen (or the deadline), recognising ours by the value, which every replicator keeps.
  const seen = new Map<number, { arrivedAt: number; timestamp: number }>();
  const deadline = started + timeoutMs;
  await mapLimit(before, before.length, async (p) => {
    let next = p.end;
    while (seen.size < count && Date.now() < deadline) {
      const waitMs = Math.max(0, Math.min(500, deadline - Date.now()));
      const { records } = await fetchFrom(secondary.protocol, options.topic, p.partition, next, { waitMs });
      const arrivedAt = Date.now();
      for (const r of records) {
        next = r.offset + 1;
        if (!r.value) continue;
        let v: CanaryValue;
        try {
          v = JSON.parse(r.value.toString()) as CanaryValue;
        } catch {
          continue;
        }
        if (v.runId !== options.runId || seen.has(v.seq)) continue;
        seen.set(v.seq, { arrivedAt, timestamp: r.timestamp });
        const sample = samples.get(v.seq);
        if (sample) sample.arrived = arrivedRecord(r);
      }
    }
  });

  const latencies = [...seen]
    .map(([seq, s]) => Math.max(0, s.arrivedAt - (sentAt.get(seq) as { producedAt: number }).producedAt))
    .sort((a, b) => a - b);
  const missing = [...sentAt].filter(([seq]) => !seen.has(seq)).map(([seq, s]) => ({ seq, partition: s.partition }));
  const fidelity = profileFromSamples([...samples.values()], options.runId, started);
  const preserved = seen.size ? [...seen].every(([seq, s]) => s.timestamp === samples.get(seq)?.sent.timestamp) : null;
  return {
    runId: options.runId,
    topic: options.topic,
    produced: count,
    received: seen.size,
    missing,
    latencyMs: latencies.length
      ? { p50: percentile(latencies, 50), max: latencies[latencies.length - 1], min: latencies[0] }
      : null,
    timestampsPreserved: preserved,
    fidelity,
    fidelitySummary: describeProfile(fidelity),
    elapsedMs: Date.now() - started,
  };
}

/**
 * The fidelity profile of the newest complete canary run found on the secondary's copy of the canary topic
 * (its last `tail` records per partition): what the replicator preserved when it was last measured, readable
 * when the primary is gone. Unmeasured (preserves nothing) when no complete run is there.
 */
export async function lastCanaryProfile(secondary: AdminSession, topic: string, tail = 200): Promise<FidelityProfile> {
  return (await lastCanaryRun(secondary, topic, tail)).profile;
}

/**
 * The newest complete canary run found on the secondary (the primary may be gone): the fidelity profile it
 * measured and, where the replicator replaces timestamps with its append time, the latency it showed.
 */
export async function lastCanaryRun(
  secondary: AdminSession,
  topic: string,
  tail = 200,
): Promise<{ profile: FidelityProfile; latencyMs: number | null; measuredAt?: number }> {
  const logs = (await partitionOffsets(secondary, [topic])).filter((p) => p.end > p.earliest);
  const runs = new Map<string, { count: number; newest: number; samples: Map<number, FidelitySample> }>();
  await mapLimit(logs, 4, async (p) => {
    for (const r of await readRange(
      secondary.protocol,
      topic,
      p.partition,
      Math.max(p.earliest, p.end - tail),
      p.end,
    )) {
      if (!r.value) continue;
      let v: CanaryValue;
      try {
        v = JSON.parse(r.value.toString()) as CanaryValue;
      } catch {
        continue;
      }
      if (
        typeof v.runId !== 'string' ||
        !Number.isInteger(v.seq) ||
        !Number.isInteger(v.partition) ||
        !Number.isInteger(v.count)
      )
        continue;
      const run = runs.get(v.runId) ?? {
        count: v.count as number,
        newest: 0,
        samples: new Map<number, FidelitySample>(),
      };
      runs.set(v.runId, run);
      run.newest = Math.max(run.newest, v.producedAt);
      if (!run.samples.has(v.seq)) {
        run.samples.set(v.seq, {
          seq: v.seq,
          sent: sentRecord(v as CanaryValue & { partition: number }, r.value.toString()),
          arrived: arrivedRecord(r),
        });
      }
    }
  });
  const complete = [...runs].filter(([, r]) => r.samples.size === r.count).sort((a, b) => b[1].newest - a[1].newest)[0];
  if (!complete) return { profile: UNMEASURED_PROFILE, latencyMs: null };
  const [runId, run] = complete;
  const samples = [...run.samples.values()];
  const profile = profileFromSamples(samples, runId, run.newest);
  // A replicator that stamps its own append time shows, on the secondary alone, how long each record took:
  // arrival stamp minus the time the canary sent it (the value's producedAt).
  const latencyMs =
    profile.measured && !profile.timestampPreserved
      ? Math.max(0, ...samples.map((x) => x.arrived!.timestamp - (x.sent.timestamp + CANARY_TIMESTAMP_AGE_MS)))
      : null;
  return { profile, latencyMs, measuredAt: run.newest };
}
