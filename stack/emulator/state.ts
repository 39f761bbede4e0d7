// The emulator's persistent state: one JSON file, written atomically (temp file + rename) after every change,
// so it survives a restart and a crash mid-write never leaves half a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataPlaneConfig } from './data-plane';

export type DnsEdition = 'free' | 'basic' | 'standard' | 'ultimate' | 'exclusive';

/** TTL floor per Alibaba Cloud DNS edition (docs/alicloud-emulator.md, Sources §2.3). */
export const TTL_FLOOR: Record<DnsEdition, number> = {
  free: 600,
  basic: 120,
  standard: 60,
  ultimate: 10,
  exclusive: 1,
};
export const TTL_MAX = 86_400;

export interface DnsZone {
  DomainName: string;
  DomainId: string;
  Edition: DnsEdition;
}
export interface DnsRecordState {
  RecordId: string;
  DomainName: string;
  RR: string;
  Type: string;
  Value: string;
  TTL: number;
  Line: string;
  Status: 'Enable' | 'Disable';
  Locked: boolean;
  Priority?: number;
  Remark?: string;
  CreateTimestamp: number;
  UpdateTimestamp: number;
}
export interface KafkaGroupState {
  InstanceId: string;
  ConsumerId: string;
  Remark: string;
  CreateTime: number;
}
export interface KafkaTopicState {
  InstanceId: string;
  Topic: string;
  Remark: string;
  CreateTime: number;
  LocalTopic: boolean;
  CompactTopic: boolean;
}
export interface StreamState {
  Region: string;
  EventStreamingName: string;
  Description: string;
  FilterPattern: string;
  Source: Record<string, unknown>;
  Sink: Record<string, unknown>;
  RunOptions: Record<string, unknown>;
  /** What the user asked for last. */
  Desired: 'READY' | 'RUNNING' | 'PAUSED';
  /** Last status shown; RUNNING once seen makes a later failure RUNNING_FAILED rather than STARTING_FAILED. */
  LastStatus: string;
  ReachedRunning: boolean;
  /** When the last start was asked for (epoch ms): a stream is STARTING for a bounded time, then STARTING_FAILED. */
  StartedAt?: number;
  /** Since when Connect has not listed the connector of a stream that ran (epoch ms). */
  MissingSince?: number;
  ConnectorName: string;
  CreateTime: number;
  /** The data plane the stream was first started with (kept across emulator restarts); absent = not started. */
  DataPlane?: DataPlaneConfig;
  /** `reproduce` plane: the next source offset per partition, saved after each acknowledged batch. */
  ReproduceProgress?: Record<string, number>;
  /** `reproduce` plane: records the sink refused after the retry policy, written to RunOptions.DeadLetterQueue. */
  DeadLettered?: number;
  /** `reproduce` plane: records the sink refused after the retry policy with no dead-letter queue: discarded, as documented. */
  Discarded?: number;
}

export interface EmulatorState {
  version: 1;
  dns: { zones: DnsZone[]; records: DnsRecordState[]; nextRecordId: string };
  kafka: { groups: KafkaGroupState[]; topics: KafkaTopicState[] };
  eventbridge: { streams: StreamState[] };
}

/** Zones every fresh emulator starts with: one for drills (short TTLs allowed), one Free edition (600 s floor). */
export const SEED_ZONES: DnsZone[] = [
  { DomainName: 'kdr.test', DomainId: '00000000-0000-4000-8000-000000000001', Edition: 'exclusive' },
  { DomainName: 'kdr-free.test', DomainId: '00000000-0000-4000-8000-000000000002', Edition: 'free' },
];

/**
 * Host names of the local self-managed Kafka clusters' DR listeners (the `endpointHost` of the local-kafka pair):
 * ordinary A records in kdr.test, so they show in DescribeSubDomainRecords and conflict like real ones.
 */
export const SEED_RECORDS: DnsRecordState[] = [
  { RecordId: '1790000000000000001', RR: 'primary', Value: '127.0.0.2' },
  { RecordId: '1790000000000000002', RR: 'secondary', Value: '127.0.0.3' },
].map((r) => ({
  ...r,
  DomainName: 'kdr.test',
  Type: 'A',
  TTL: 60,
  Line: 'default',
  Status: 'Enable' as const,
  Locked: false,
  Remark: 'kafka-dr local stack broker host',
  CreateTimestamp: 0,
  UpdateTimestamp: 0,
}));

function seed(): EmulatorState {
  return {
    version: 1,
    dns: {
      zones: SEED_ZONES.map((z) => ({ ...z })),
      records: SEED_RECORDS.map((r) => ({ ...r })),
      nextRecordId: '1790000000000000101',
    },
    kafka: { groups: [], topics: [] },
    eventbridge: { streams: [] },
  };
}

export class StateStore {
  readonly file: string;
  state: EmulatorState;

  constructor(stateDir: string) {
    fs.mkdirSync(stateDir, { recursive: true });
    this.file = path.join(stateDir, 'state.json');
    this.state = this.load();
  }

  private load(): EmulatorState {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const fresh = seed();
      this.write(fresh);
      return fresh;
    }
    const parsed = JSON.parse(text) as EmulatorState;
    if (parsed.version !== 1)
      throw new Error(
        `${this.file}: unknown state version ${String(parsed.version)}; move the file away to start fresh`,
      );
    return parsed;
  }

  private write(state: EmulatorState): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
    fs.renameSync(tmp, this.file);
  }

  /** Apply a change and persist it before anyone sees the answer. */
  mutate<T>(fn: (s: EmulatorState) => T): T {
    const result = fn(this.state);
    this.write(this.state);
    return result;
  }

  /** Issue the next RecordId (a 19-digit decimal string like the real ones). */
  nextRecordId(): string {
    const id = this.state.dns.nextRecordId;
    this.state.dns.nextRecordId = (BigInt(id) + 1n).toString();
    return id;
  }
}
