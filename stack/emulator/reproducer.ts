// The `reproduce` data plane of one event stream: reads the source topic with plain Fetch requests and sends
// every record again through a kafkajs producer on the sink instance (the default partitioner is murmur2 on the
// key, as Java's, and spreads null keys round robin). Progress (the next source offset per partition) is kept
// in the emulator state after each batch is acknowledged, so a restart resumes there: at least once, as the
// real service's "push retry" is. The real stream consumes its source with the stream's consumer group, so the
// group's committed offsets are its position: the progress is committed there too, and a start (a new or resumed
// stream) begins at the group's committed offsets where they differ from the saved progress (an operator reset the
// group while the stream was paused). See data-plane.ts for what each fidelity switch changes.
import { Kafka, logLevel, type Admin, type Producer, type Message } from 'kafkajs';
import type { FetchedRecord } from '../../src/kafka/protocol';
import { fetchFrom, openCluster, type ProtocolHandle } from '../../src/kafka/protocol';
import type { EmulatedInstance } from './instances';
import type { ReproduceFidelity } from './data-plane';

export interface ReproducerSpec {
  name: string;
  source: EmulatedInstance;
  sink: EmulatedInstance;
  topic: string;
  sinkTopic: string;
  offsetReset: 'earliest' | 'latest';
  /** The stream's consumer group on the source (SourceKafkaParameters.ConsumerGroup). */
  consumerGroup?: string;
  acks: -1 | 0 | 1;
  fidelity: ReproduceFidelity;
  /** The stream maps record headers (SinkKafkaParameters.Headers): they are carried whatever the fidelity switch says. */
  headersMapped: boolean;
  /** RunOptions.RetryStrategy: how often a record the sink refuses is sent again (time compressed: `delayMs` apart). */
  retry: { attempts: number; delayMs: number };
  /** RunOptions.DeadLetterQueue as a topic on an emulated instance; absent = refused records are discarded. */
  deadLetter?: { instance: EmulatedInstance; topic: string };
  /** Fault injection: the sink refuses this record (asked once per record; it stays refused through its retries). */
  sinkRefuses(): boolean;
  /** A record refused after the retry policy went to the dead-letter queue, or was discarded (none configured). */
  refused(outcome: 'dead-lettered' | 'discarded'): void;
  replicationFactor: number;
  /** Next source offset per partition, as last saved. */
  progress(): Record<string, number>;
  save(progress: Record<string, number>): void;
  log(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(instance: EmulatedInstance, name: string): Kafka {
  return new Kafka({
    clientId: `kdr-emulator-reproduce-${name}`,
    brokers: [instance.bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 100 },
  });
}

export class Reproducer {
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Last error of the loop (cleared by the next good round); shown in DetailedStatus.Extensions. */
  lastError: string | undefined;
  /** Since when every round has failed (epoch ms). */
  failingSince: number | undefined;

  private adopted = false;

  constructor(private readonly spec: ReproducerSpec) {}

  /** At start: the group's committed offsets, where they differ from the saved progress, are the position. */
  private async adoptGroupOffsets(admin: Admin): Promise<void> {
    if (!this.spec.consumerGroup) return;
    const [committed] = await admin.fetchOffsets({ groupId: this.spec.consumerGroup, topics: [this.spec.topic] });
    const progress = { ...this.spec.progress() };
    let changed = false;
    for (const p of committed?.partitions ?? []) {
      const at = Number(p.offset);
      if (at >= 0 && progress[String(p.partition)] !== at) {
        this.spec.log(
          `reproduce ${this.spec.name}: ${this.spec.topic}[${p.partition}] starts at the group's committed offset ${at} (saved ${progress[String(p.partition)] ?? 'none'})`,
        );
        progress[String(p.partition)] = at;
        changed = true;
      }
    }
    if (changed) this.spec.save(progress);
  }

  private async commit(admin: Admin, progress: Record<string, number>): Promise<void> {
    if (!this.spec.consumerGroup) return;
    const partitions = Object.entries(progress).map(([partition, offset]) => ({
      partition: Number(partition),
      offset: String(offset),
    }));
    // A group someone else consumes with has members: the saved progress stays the position then.
    await admin
      .setOffsets({ groupId: this.spec.consumerGroup, topic: this.spec.topic, partitions })
      .catch(() => undefined);
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  /** A stopped reproducer never runs again: a start after a pause makes a new one (from the saved progress). */
  get isStopped(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let handle: ProtocolHandle | undefined;
      let producer: Producer | undefined;
      let admin: Admin | undefined;
      let dlq: Producer | undefined;
      try {
        const source = client(this.spec.source, this.spec.name);
        handle = await openCluster(source);
        admin = source.admin();
        await admin.connect();
        if (!this.adopted) {
          await this.adoptGroupOffsets(admin);
          this.adopted = true;
        }
        const sink = client(this.spec.sink, this.spec.name);
        await this.ensureSinkTopic(sink, admin);
        producer = sink.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
        await producer.connect();
        if (this.spec.deadLetter) {
          dlq = client(this.spec.deadLetter.instance, this.spec.name).producer({
            allowAutoTopicCreation: false,
            maxInFlightRequests: 1,
          });
          await dlq.connect();
        }
        while (!this.stopped) {
          await this.round(handle, admin, producer, dlq);
          this.lastError = undefined;
          this.failingSince = undefined;
        }
      } catch (err) {
        this.lastError = (err as Error).message;
        this.failingSince ??= Date.now();
        this.spec.log(`reproduce ${this.spec.name}: ${this.lastError} (retrying)`);
        await sleep(1000);
      } finally {
        await producer?.disconnect().catch(() => undefined);
        await dlq?.disconnect().catch(() => undefined);
        await admin?.disconnect().catch(() => undefined);
        await handle?.close().catch(() => undefined);
      }
    }
  }

  /** MirrorMaker 2 creates a missing sink topic; so does this plane, with the source's partition count. */
  private async ensureSinkTopic(sink: Kafka, srcAdmin: Admin): Promise<void> {
    const dstAdmin = sink.admin();
    await dstAdmin.connect();
    try {
      const existing = await dstAdmin.listTopics();
      if (existing.includes(this.spec.sinkTopic)) return;
      const meta = await srcAdmin.fetchTopicMetadata({ topics: [this.spec.topic] });
      const numPartitions = meta.topics[0]?.partitions.length ?? 1;
      await dstAdmin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: this.spec.sinkTopic, numPartitions, replicationFactor: this.spec.replicationFactor }],
      });
    } finally {
      await dstAdmin.disconnect().catch(() => undefined);
    }
  }

  /** One pass over every partition: fetch what is new, send it, save the progress. */
  private async round(
    handle: ProtocolHandle,
    admin: Admin,
    producer: Producer,
    dlq: Producer | undefined,
  ): Promise<void> {
    const bounds = await admin.fetchTopicOffsets(this.spec.topic);
    const progress = { ...this.spec.progress() };
    let moved = false;
    for (const b of bounds.sort((x, y) => x.partition - y.partition)) {
      if (this.stopped) break;
      const partition = b.partition;
      const start = Number(b.low);
      let next = progress[String(partition)] ?? (this.spec.offsetReset === 'latest' ? Number(b.high) : start);
      if (next < start) {
        // Retention removed records before they were copied: they are gone, as they would be on the real service.
        this.spec.log(
          `reproduce ${this.spec.name}: ${this.spec.topic}[${partition}] offsets ${next}..${start - 1} are gone, resuming at ${start}`,
        );
        next = start;
      }
      if (next >= Number(b.high)) {
        if (progress[String(partition)] !== next) {
          progress[String(partition)] = next;
          moved = true;
        }
        continue;
      }
      let records;
      try {
        ({ records } = await fetchFrom(handle, this.spec.topic, partition, next));
      } catch (err) {
        if ((err as { type?: string }).type !== 'OFFSET_OUT_OF_RANGE') throw err;
        continue; // the next round re-reads the log start
      }
      if (records.length === 0) continue;
      const { fidelity } = this.spec;
      const messages: Message[] = records.map((r) => ({
        key: r.key,
        value: r.value,
        ...(fidelity.keepPartition ? { partition } : {}),
        ...(fidelity.keepTimestamp ? { timestamp: String(r.timestamp) } : {}),
        ...(fidelity.keepHeaders || this.spec.headersMapped ? { headers: r.headers } : {}),
      }));
      await this.deliver(producer, dlq, messages, records, partition);
      progress[String(partition)] = records[records.length - 1].offset + 1;
      moved = true;
    }
    if (moved) {
      this.spec.save(progress);
      await this.commit(admin, progress);
    }
    if (!moved) await sleep(50);
  }

  /**
   * Sends a batch. A batch the sink refuses for a record in it (too large, invalid) is sent again record by
   * record under the retry policy; a record still refused goes to the dead-letter queue, or is discarded and
   * counted when the stream has none (RunOptions.DeadLetterQueue: "Messages that exceed the retry policy are
   * discarded", SDK 8.7.0). Any other error (sink unreachable) fails the round: the loop retries it.
   */
  private async deliver(
    producer: Producer,
    dlq: Producer | undefined,
    messages: Message[],
    records: FetchedRecord[],
    partition: number,
  ): Promise<void> {
    const send = (batch: Message[]) =>
      producer.send({ topic: this.spec.sinkTopic, acks: this.spec.acks, messages: batch });
    const injected = messages.map(() => this.spec.sinkRefuses());
    if (!injected.includes(true)) {
      try {
        await send(messages);
        return;
      } catch (err) {
        if (!refusedByRecord(err)) throw err;
      }
    }
    for (let i = 0; i < messages.length; i++) {
      let refusal: unknown;
      for (let attempt = 0; attempt <= this.spec.retry.attempts; attempt++) {
        try {
          if (injected[i])
            throw Object.assign(
              new Error('Injected fault: the sink refuses this record (emulator /__admin/faults, SinkRecord)'),
              { type: 'INJECTED_REFUSAL' },
            );
          await send([messages[i]]);
          refusal = undefined;
          break;
        } catch (err) {
          if (!refusedByRecord(err)) throw err;
          refusal = err;
          if (attempt < this.spec.retry.attempts) await sleep(this.spec.retry.delayMs);
        }
      }
      if (refusal === undefined) continue;
      const r = records[i];
      const why = (refusal as Error).message;
      if (this.spec.deadLetter && dlq) {
        await dlq.send({
          topic: this.spec.deadLetter.topic,
          acks: -1,
          messages: [
            {
              key: r.key,
              value: r.value,
              headers: {
                ...r.headers,
                'kdr-dlq-stream': this.spec.name,
                'kdr-dlq-source-topic': this.spec.topic,
                'kdr-dlq-source-partition': String(partition),
                'kdr-dlq-source-offset': String(r.offset),
                'kdr-dlq-error': why.slice(0, 200),
              },
            },
          ],
        });
        this.spec.refused('dead-lettered');
        this.spec.log(
          `reproduce ${this.spec.name}: ${this.spec.topic}[${partition}]@${r.offset} refused by the sink (${why}): written to dead-letter topic ${this.spec.deadLetter.topic}`,
        );
      } else {
        this.spec.refused('discarded');
        this.spec.log(
          `reproduce ${this.spec.name}: ${this.spec.topic}[${partition}]@${r.offset} refused by the sink (${why}): DISCARDED (no dead-letter queue)`,
        );
      }
    }
  }
}

/** Broker answers that refuse a record itself, not the connection: retrying the same bytes cannot succeed. */
const RECORD_REFUSALS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'POLICY_VIOLATION',
  'INJECTED_REFUSAL',
]);

function refusedByRecord(err: unknown): boolean {
  for (
    let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (e.type && RECORD_REFUSALS.has(e.type)) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}
