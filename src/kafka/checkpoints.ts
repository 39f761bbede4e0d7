// MirrorMaker 2 checkpoints, read straight from the secondary. Wire format (apache/kafka
// connect/mirror-client Checkpoint.java, Kafka protocol types, big-endian):
//   key   = group STRING, topic STRING, partition INT32
//   value = version INT16 (0), upstreamOffset INT64, downstreamOffset INT64, metadata STRING
// where STRING is an INT16 byte length followed by UTF-8 bytes.
import type { AdminSession } from './admin';
import { listOffsets, EARLIEST, LATEST, readRange } from './protocol';
import { KdrError } from '../errors';

export interface Checkpoint {
  group: string;
  topic: string;
  partition: number;
  upstreamOffset: number;
  downstreamOffset: number;
  metadata: string;
  /** Timestamp of the checkpoint record (when MM2 emitted it). */
  emittedAt?: number;
}

export class CheckpointFormatError extends KdrError {
  override name = 'CheckpointFormatError';
  readonly retryable = false;
}

/** Topic holding the checkpoints of the cluster aliased `sourceAlias` (MM2's default naming). */
export function checkpointsTopic(sourceAlias = 'primary'): string {
  return `${sourceAlias}.checkpoints.internal`;
}

class Reader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new CheckpointFormatError(`${this.what}: truncated at byte ${this.pos} (need ${n} more)`);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new CheckpointFormatError(`${this.what}: offset ${v} exceeds 2^53`);
    }
    return Number(v);
  }
  string(): string {
    const len = this.int16();
    if (len < 0) throw new CheckpointFormatError(`${this.what}: null string where Checkpoint.java never writes one`);
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

export function decodeCheckpoint(key: Buffer, value: Buffer): Checkpoint {
  const k = new Reader(key, 'checkpoint key');
  const group = k.string();
  const topic = k.string();
  const partition = k.int32();
  const v = new Reader(value, 'checkpoint value');
  const version = v.int16();
  if (version !== 0) throw new CheckpointFormatError(`checkpoint value version ${version} is not supported (only 0)`);
  const upstreamOffset = v.int64();
  const downstreamOffset = v.int64();
  const metadata = v.string();
  return { group, topic, partition, upstreamOffset, downstreamOffset, metadata };
}

function writeString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** The inverse of decodeCheckpoint (used by tests to check the decoder against hand-built bytes). */
export function encodeCheckpoint(c: Omit<Checkpoint, 'emittedAt'>): { key: Buffer; value: Buffer } {
  const partition = Buffer.alloc(4);
  partition.writeInt32BE(c.partition);
  const offsets = Buffer.alloc(2 + 16);
  offsets.writeInt16BE(0, 0);
  offsets.writeBigInt64BE(BigInt(c.upstreamOffset), 2);
  offsets.writeBigInt64BE(BigInt(c.downstreamOffset), 10);
  return {
    key: Buffer.concat([writeString(c.group), writeString(c.topic), partition]),
    value: Buffer.concat([offsets, writeString(c.metadata)]),
  };
}

export function checkpointKey(group: string, topic: string, partition: number): string {
  return `${group}\u0000${topic}\u0000${partition}`;
}

export interface ReadCheckpointsOptions {
  sourceAlias?: string;
  /** Only keep checkpoints of these groups. */
  groups?: readonly string[] | RegExp | ((group: string) => boolean);
  /** Only keep checkpoints of these topics. */
  topics?: readonly string[];
}

export interface CheckpointsRead {
  topic: string;
  /** Newest checkpoint per (group, topic, partition), keyed by checkpointKey(). */
  checkpoints: Map<string, Checkpoint>;
  recordsRead: number;
  /** Records that did not decode (kept out of the map, counted so nobody trusts a silent gap). */
  undecodable: number;
  exists: boolean;
}

/**
 * Reads the whole checkpoints topic once (from log start to the end captured at the start) and keeps the
 * last record per key: MM2 emits checkpoints monotonically, so the last one is the newest. A missing
 * topic means no checkpoint yet, not an error.
 */
export async function readCheckpoints(
  secondary: AdminSession,
  options: ReadCheckpointsOptions = {},
): Promise<CheckpointsRead> {
  const topic = checkpointsTopic(options.sourceAlias);
  const result: CheckpointsRead = { topic, checkpoints: new Map(), recordsRead: 0, undecodable: 0, exists: false };
  const topics = await secondary.admin.listTopics();
  if (!topics.includes(topic)) return result;
  result.exists = true;
  const { topics: meta } = await secondary.admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = meta[0]?.partitions.map((p) => p.partitionId) ?? [];
  const bounds = await listOffsets(
    secondary.protocol,
    partitions.flatMap((partition) => [
      { topic, partition, timestamp: EARLIEST },
      { topic, partition, timestamp: LATEST },
    ]),
  );
  const groupList = Array.isArray(options.groups) ? new Set(options.groups) : undefined;
  const topicList = options.topics ? new Set(options.topics) : undefined;
  const groupOk = (g: string) =>
    options.groups === undefined
      ? true
      : groupList
        ? groupList.has(g)
        : typeof options.groups === 'function'
          ? options.groups(g)
          : (options.groups as RegExp).test(g);
  for (const partition of partitions) {
    const from = bounds.get(`${topic}:${partition}@${EARLIEST}`) ?? 0;
    const to = bounds.get(`${topic}:${partition}@${LATEST}`) ?? 0;
    for (const r of await readRange(secondary.protocol, topic, partition, from, to)) {
      result.recordsRead++;
      if (!r.key || !r.value) {
        result.undecodable++;
        continue;
      }
      let c: Checkpoint;
      try {
        c = { ...decodeCheckpoint(r.key, r.value), emittedAt: r.timestamp };
      } catch {
        result.undecodable++;
        continue;
      }
      if (!groupOk(c.group) || (topicList && !topicList.has(c.topic))) continue;
      result.checkpoints.set(checkpointKey(c.group, c.topic, c.partition), c);
    }
  }
  return result;
}
