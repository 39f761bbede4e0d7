// The position store: drWatch's snapshots of every consumer group's committed offsets, kept on the SECONDARY in a
// compacted topic of kafka-dr's own. They must outlive the primary's region, which is exactly when they are read
// (drFailover with the primary down), and they must not grow any workflow history, so they live in Kafka.
// One record per (pair, group, topic, partition), replaced when the position changes; one marker per pair says
// when the last complete snapshot was taken.
import type { AdminSession } from './admin';
import { EARLIEST, LATEST, listOffsets, readRange, tpKey } from './protocol';
import type { SnapshotEvidence } from '../plan/planner';

export const POSITIONS_TOPIC = '__kdr_positions';
const VERSION = 1;

/** What is stored for one group on one partition: the planner's SnapshotEvidence plus where it belongs. */
export interface StoredPosition extends SnapshotEvidence {
  pair: string;
  group: string;
  topic: string;
  partition: number;
}

/** Written after every complete snapshot of a pair: a position older than this was still current at `takenAt`. */
export interface SnapshotMarker {
  pair: string;
  takenAt: number;
  groups: number;
  positions: number;
  matched: number;
}

export function positionKey(p: Pick<StoredPosition, 'pair' | 'group' | 'topic' | 'partition'>): string {
  // JSON, not a separator: group and topic names may contain any character a separator would use.
  return JSON.stringify(['p', p.pair, p.group, p.topic, p.partition]);
}

export function markerKey(pair: string): string {
  return JSON.stringify(['s', pair]);
}

/**
 * Creates the topic on the secondary when missing: compacted, so it holds about one record per position
 * however long the watch runs; small segments, so compaction runs within minutes rather than after 7 days.
 */
export async function ensurePositionsTopic(
  secondary: AdminSession,
  options: { replicationFactor?: number } = {},
): Promise<boolean> {
  const existing = await secondary.admin.listTopics();
  if (existing.includes(POSITIONS_TOPIC)) return false;
  try {
    await secondary.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: POSITIONS_TOPIC,
          numPartitions: 1,
          replicationFactor: options.replicationFactor ?? -1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.ms', value: String(10 * 60_000) },
            { name: 'min.cleanable.dirty.ratio', value: '0.1' },
            { name: 'delete.retention.ms', value: String(86_400_000) },
          ],
        },
      ],
    });
    return true;
  } catch (err) {
    // Two watches (or a watch and a failover) may race to create it.
    if (/already exists/i.test((err as Error).message)) return false;
    throw err;
  }
}

export interface PositionWrite {
  positions: readonly StoredPosition[];
  marker: SnapshotMarker;
}

/** Writes the changed positions, then the marker (acks=all): a marker is never newer than the positions it covers. */
export async function writePositions(secondary: AdminSession, w: PositionWrite): Promise<void> {
  const producer = secondary.kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (let i = 0; i < w.positions.length; i += 2_000) {
      await producer.send({
        topic: POSITIONS_TOPIC,
        acks: -1,
        messages: w.positions
          .slice(i, i + 2_000)
          .map((p) => ({ key: positionKey(p), value: JSON.stringify({ v: VERSION, ...p }) })),
      });
    }
    await producer.send({
      topic: POSITIONS_TOPIC,
      acks: -1,
      messages: [{ key: markerKey(w.marker.pair), value: JSON.stringify({ v: VERSION, ...w.marker }) }],
    });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

export interface PositionsRead {
  /** group -> `topic:partition` -> newest stored position. */
  byGroup: Map<string, Map<string, StoredPosition>>;
  marker?: SnapshotMarker;
  recordsRead: number;
}

/** The newest stored position of every group of `pair` (and its last marker); empty when the topic does not exist. */
export async function readPositions(secondary: AdminSession, pair: string): Promise<PositionsRead> {
  const out: PositionsRead = { byGroup: new Map(), recordsRead: 0 };
  const existing = await secondary.admin.listTopics();
  if (!existing.includes(POSITIONS_TOPIC)) return out;
  const meta = await secondary.admin.fetchTopicMetadata({ topics: [POSITIONS_TOPIC] });
  const partitions = meta.topics[0]?.partitions.map((p) => p.partitionId) ?? [];
  const bounds = await listOffsets(
    secondary.protocol,
    partitions.flatMap((partition) => [
      { topic: POSITIONS_TOPIC, partition, timestamp: EARLIEST },
      { topic: POSITIONS_TOPIC, partition, timestamp: LATEST },
    ]),
  );
  const markerK = markerKey(pair);
  const prefix = JSON.stringify(['p', pair]).slice(0, -1) + ',';
  for (const partition of partitions) {
    const from = bounds.get(`${tpKey(POSITIONS_TOPIC, partition)}@${EARLIEST}`) ?? 0;
    const to = bounds.get(`${tpKey(POSITIONS_TOPIC, partition)}@${LATEST}`) ?? 0;
    for (const r of await readRange(secondary.protocol, POSITIONS_TOPIC, partition, from, to)) {
      out.recordsRead++;
      const key = r.key?.toString() ?? '';
      if (key === markerK) {
        if (r.value) out.marker = parseMarker(r.value.toString()) ?? out.marker;
        continue;
      }
      if (!key.startsWith(prefix)) continue;
      const [, , group, topic, p] = JSON.parse(key) as [string, string, string, string, number];
      const tp = tpKey(topic, p);
      if (!r.value) {
        out.byGroup.get(group)?.delete(tp);
        continue;
      }
      const stored = parsePosition(r.value.toString());
      if (!stored) continue;
      let m = out.byGroup.get(group);
      if (!m) {
        m = new Map();
        out.byGroup.set(group, m);
      }
      m.set(tp, stored);
    }
  }
  for (const [g, m] of out.byGroup) if (m.size === 0) out.byGroup.delete(g);
  return out;
}

/** A record of an unknown (newer) version is skipped: better no snapshot than a misread one. */
function parsePosition(text: string): StoredPosition | undefined {
  try {
    const v = JSON.parse(text) as StoredPosition & { v?: number };
    if (v.v !== VERSION || !Number.isInteger(v.committedOffset) || !Number.isFinite(v.takenAt)) return undefined;
    const { v: _version, ...rest } = v;
    return rest;
  } catch {
    return undefined;
  }
}

function parseMarker(text: string): SnapshotMarker | undefined {
  try {
    const v = JSON.parse(text) as SnapshotMarker & { v?: number };
    if (v.v !== VERSION || !Number.isFinite(v.takenAt)) return undefined;
    const { v: _version, ...rest } = v;
    return rest;
  } catch {
    return undefined;
  }
}
