// Live traffic for the failover tests: a producer writing numbered records, and consumer groups that process
// and commit them, remembering exactly which records each group processed (to count losses and duplicates).
import type * as net from 'node:net';
import { Kafka, logLevel, type Consumer, type ISocketFactory, type Producer } from 'kafkajs';
import { local } from '../local-stack';
import { dnsSocketFactory } from '../../src/kafka/clients';
import type { AdminSession } from '../../src/kafka/admin';
import { readRange } from '../../src/kafka/protocol';
import { eventually } from './temporal';

/** An application process that can crash: `crash()` cuts every connection and refuses new ones. */
export interface AppClient {
  kafka: Kafka;
  crash(): void;
}

/**
 * A client that bootstraps from the custom domain through the local DNS server, as applications in CNAME mode
 * do. A crashed one must really be gone: a kafkajs client left retrying would re-resolve the domain after the
 * switch, join its group on the secondary and commit its in-memory positions over the reset offsets.
 */
export function viaDomain(domain: string, clientId: string, dnsServer: string = local.dnsServer): AppClient {
  const open = new Set<net.Socket>();
  let crashed = false;
  const factory = dnsSocketFactory(dnsServer);
  const socketFactory: ISocketFactory = (args) => {
    const socket = factory(args) as net.Socket;
    if (crashed) {
      process.nextTick(() => socket.destroy(new Error('application crashed')));
      return socket;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    return socket;
  };
  const kafka = new Kafka({
    clientId,
    brokers: [`${domain}:39092`],
    logLevel: logLevel.NOTHING,
    socketFactory,
    connectionTimeout: 2000,
    requestTimeout: 10000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  return {
    kafka,
    crash() {
      crashed = true;
      for (const socket of open) socket.destroy();
    },
  };
}

export class Producing {
  sent = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  static async start(kafka: Kafka, topic: string, perSecond: number): Promise<Producing> {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const p = new Producing(producer, topic);
    p.loop = p.run(perSecond);
    return p;
  }

  private async run(perSecond: number): Promise<void> {
    const batch = Math.max(1, Math.round(perSecond / 10));
    while (!this.stopped) {
      const messages = Array.from({ length: batch }, () => ({ key: `k${this.sent % 17}`, value: String(this.sent++) }));
      try {
        await this.producer.send({ topic: this.topic, messages });
      } catch {
        // The primary went away: an outage, which is what the test provokes.
        this.stopped = true;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.producer.disconnect().catch(() => undefined);
  }
}

/** One consumer group member that records every record value it processed. */
export class Consuming {
  readonly processed = new Set<string>();
  readonly seen: string[] = [];
  constructor(
    readonly group: string,
    private readonly consumer: Consumer,
  ) {}

  static async start(
    kafka: Kafka,
    group: string,
    topic: string,
    options: { fromBeginning?: boolean; delayMs?: number; commitEveryMs?: number } = {},
  ): Promise<Consuming> {
    const consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      retry: { retries: 2 },
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
    const c = new Consuming(group, consumer);
    await consumer.run({
      autoCommitInterval: options.commitEveryMs ?? 300,
      eachMessage: async ({ message }) => {
        // A slow consumer lags behind the producer, so the outage leaves records it has not processed yet.
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        const v = message.value?.toString() ?? '';
        c.seen.push(v);
        c.processed.add(v);
      },
    });
    return c;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/**
 * A producer application that keeps running through an outage: a batch that fails is sent again (the same
 * numbered records) until a cluster acknowledges it. It remembers what was acknowledged, and which records it
 * had to send more than once (a retried batch may have been written before its acknowledgement was lost:
 * those records can legitimately appear twice, whatever the DR tool does).
 */
export class RetryingProducer {
  readonly acked = new Set<string>();
  readonly resent = new Set<string>();
  private next = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  static async start(kafka: Kafka, topic: string, perSecond: number, firstValue = 0): Promise<RetryingProducer> {
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    });
    await producer.connect();
    const p = new RetryingProducer(producer, topic);
    p.next = firstValue;
    p.loop = p.run(perSecond);
    return p;
  }

  get sent(): number {
    return this.acked.size;
  }

  private async run(perSecond: number): Promise<void> {
    const batch = Math.max(1, Math.round(perSecond / 10));
    while (!this.stopped) {
      const values = Array.from({ length: batch }, () => String(this.next++));
      for (let attempt = 0; !this.stopped || attempt === 0; attempt++) {
        if (attempt > 0) for (const v of values) this.resent.add(v);
        try {
          await this.producer.send({
            topic: this.topic,
            acks: -1,
            messages: values.map((v) => ({ key: `k${Number(v) % 17}`, value: v })),
          });
          for (const v of values) this.acked.add(v);
          break;
        } catch {
          if (this.stopped) break;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.producer.disconnect().catch(() => undefined);
  }
}

/** Per group, counted from the applications' own records: acknowledged and never processed, and processed twice. */
export function tally(
  acked: Iterable<string>,
  runs: readonly Consuming[],
  exclude: ReadonlySet<string> = new Set(),
): { processed: number; lost: string[]; redelivered: number } {
  const times = new Map<string, number>();
  for (const c of runs) for (const v of c.seen) times.set(v, (times.get(v) ?? 0) + 1);
  const lost = [...acked].filter((v) => !times.has(v));
  const redelivered = [...times].filter(([v, n]) => n > 1 && !exclude.has(v)).reduce((sum, [, n]) => sum + n - 1, 0);
  return { processed: times.size, lost, redelivered };
}

/**
 * Re-deliveries split by cause, for an application that was never restarted: records processed before `mark`
 * (on the primary) and again after it are the failover's re-reads (what a plan's bound covers); records
 * processed twice after it are the application's own at-least-once repeats (a consumer that restarts on its
 * retry policy re-reads what it had not committed yet, with or without a failover).
 */
export function splitRedeliveries(
  c: Consuming,
  mark: number,
  exclude: ReadonlySet<string> = new Set(),
): { failover: number; ownRepeats: number } {
  const before = new Set(c.seen.slice(0, mark));
  const after = new Map<string, number>();
  for (const v of c.seen.slice(mark)) if (!exclude.has(v)) after.set(v, (after.get(v) ?? 0) + 1);
  let failover = 0;
  let ownRepeats = 0;
  for (const [v, n] of after) {
    if (before.has(v)) {
      failover += 1;
      ownRepeats += n - 1;
    } else ownRepeats += n - 1;
  }
  return { failover, ownRepeats };
}

/** Waits until the group's committed offsets reach the topic's end on the cluster (it has read everything). */
export async function waitCaughtUp(s: AdminSession, group: string, topic: string): Promise<void> {
  await eventually(
    async () => {
      const [ends, offsets] = await Promise.all([
        s.admin.fetchTopicOffsets(topic),
        s.admin.fetchOffsets({ groupId: group, topics: [topic] }),
      ]);
      return ends.every(
        (e) => Number(offsets[0].partitions.find((p) => p.partition === e.partition)?.offset ?? -1) >= Number(e.high),
      );
    },
    (ok) => ok,
    `group ${group} to reach the end of ${topic}`,
    90_000,
  );
}

/** Every record value of the topic on a cluster. */
export async function readValues(s: AdminSession, topic: string): Promise<Set<string>> {
  const values = new Set<string>();
  for (const p of await s.admin.fetchTopicOffsets(topic)) {
    for (const r of await readRange(s.protocol, topic, p.partition, Number(p.low), Number(p.high)))
      values.add(r.value?.toString() ?? '');
  }
  return values;
}
