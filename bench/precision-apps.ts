// The applications of the precision benchmark, and the replay that counts what a method's offsets deliver.
// - A client that bootstraps straight from a broker and can crash (every connection cut, new ones refused), as
//   `viaDomain` in test/helpers/traffic.ts does through the custom domain: a crashed consumer cannot commit on
//   its way out, which is what an outage does to it.
// - An application consumer that remembers every record it processed (value, partition, offset, timestamp,
//   repeats included), the offsets its own commits acknowledged, and that may leave some partitions unread
//   (paused, never committed: a group that committed on only some partitions).
// - The replay: a fresh consumer in a group on the secondary, from the group's committed offsets (or the
//   application's auto.offset.reset, earliest, where there is none), to the log end.
import * as net from 'node:net';
import { Kafka, logLevel, type Consumer, type ISocketFactory } from 'kafkajs';
import type { AppClient } from '../stack/harness/traffic';

/** A kafkajs client on `bootstrap` whose connections `crash()` cuts (the application process dies). */
export function crashable(bootstrap: string, clientId: string): AppClient {
  const open = new Set<net.Socket>();
  let crashed = false;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
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
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    socketFactory,
    connectionTimeout: 2000,
    requestTimeout: 10_000,
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

export interface ProcessedRecord {
  value: string;
  partition: number;
  offset: number;
  timestamp: number;
}

export interface AppOptions {
  /** Partitions this application never reads (paused from its first batch, so never committed). */
  skipPartitions?: readonly number[];
  /** Auto-commit interval (the application's own at-least-once window). */
  commitEveryMs: number;
}

/** One consumer-group member processing numbered records, with its own memory of what it did. */
export class App {
  readonly seen: ProcessedRecord[] = [];
  readonly processed = new Set<string>();
  /** Offsets its commits had acknowledged, per partition. */
  readonly committed = new Map<number, number>();
  private stopped = false;
  private readonly position = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  constructor(
    readonly group: string,
    readonly topic: string,
    private readonly consumer: Consumer,
  ) {}

  static async start(kafka: Kafka, group: string, topic: string, o: AppOptions): Promise<App> {
    const consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      retry: { retries: 2 },
    });
    const app = new App(group, topic, consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const skip = new Set(o.skipPartitions ?? []);
    // kafkajs 2.2.4 commits after every batch whatever autoCommitInterval says (runner.autoCommitOffsets), so
    // the application commits on its own timer, as a consumer with auto.commit.interval.ms does.
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, pause, isRunning, isStale }) => {
        if (skip.has(batch.partition)) {
          pause();
          return;
        }
        for (const m of batch.messages) {
          if (!isRunning() || isStale() || app.stopped) break;
          const value = m.value?.toString() ?? '';
          app.seen.push({
            value,
            partition: batch.partition,
            offset: Number(m.offset),
            timestamp: Number(m.timestamp),
          });
          app.processed.add(value);
          app.position.set(batch.partition, Number(m.offset) + 1);
          resolveOffset(m.offset);
        }
        await heartbeat();
      },
    });
    app.timer = setInterval(() => {
      void app.commit();
    }, o.commitEveryMs);
    return app;
  }

  /** Commits what it processed; the offsets count as committed once the cluster acknowledged them. */
  commit(): Promise<void> {
    this.committing = this.committing.then(async () => {
      const at = [...this.position].filter(([p, o]) => (this.committed.get(p) ?? -1) < o);
      if (!at.length) return;
      try {
        await this.consumer.commitOffsets(
          at.map(([partition, offset]) => ({ topic: this.topic, partition, offset: String(offset) })),
        );
        for (const [p, o] of at) this.committed.set(p, Math.max(this.committed.get(p) ?? 0, o));
      } catch {
        // The cluster is gone (an outage) or the member left: not acknowledged.
      }
    });
    return this.committing;
  }

  /** A clean stop: commits what it processed, then leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.commit();
    await this.consumer.disconnect().catch(() => undefined);
  }

  /** The process dies: no last commit (cut its client's connections first, AppClient.crash()). */
  async crash(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.committing;
    await this.consumer.disconnect().catch(() => undefined);
  }

  /** Records processed at or after the last acknowledged commit of their partition: read again by any method. */
  uncommitted(): number {
    return this.seen.filter((r) => r.offset >= (this.committed.get(r.partition) ?? 0)).length;
  }

  /**
   * The group's position as one time, from its own records: the oldest, over the partitions it committed, of
   * the timestamp of its last committed record (the record at committed offset - 1). Null if it committed nothing.
   */
  lastCommittedTime(): number | null {
    const times: number[] = [];
    for (const [partition, offset] of this.committed) {
      const r = this.seen.find((x) => x.partition === partition && x.offset === offset - 1);
      if (r) times.push(r.timestamp);
    }
    return times.length ? Math.min(...times) : null;
  }
}

export interface ReplayRange {
  partition: number;
  /** Where the replay starts: the group's committed offset when it lies in the log, else the log start. */
  start: number;
  end: number;
}

/**
 * A fresh consumer in `group` on the secondary reads `topic` to the log end and returns every value it was
 * given, in order. It starts where the group's committed offsets say (kafkajs, fromBeginning = the
 * application's earliest for partitions without one or out of range); it stops once every partition reached
 * the end captured before it started.
 */
export async function replay(
  kafka: Kafka,
  group: string,
  topic: string,
  ranges: readonly ReplayRange[],
  timeoutMs = 90_000,
): Promise<string[]> {
  // A short fetch wait: kafkajs's disconnect waits for the fetch in flight (5 s by default on a quiet log).
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 100,
    retry: { retries: 2 },
  });
  const values: string[] = [];
  const next = new Map<number, number>();
  const done = () => ranges.every((r) => r.start >= r.end || (next.get(r.partition) ?? -1) >= r.end);
  // Leaving while the join is in flight costs a rebalance timeout: the replay waits until it has joined.
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) values.push(m.value?.toString() ?? '');
        const last = batch.messages.at(-1);
        if (last) next.set(batch.partition, Number(last.offset) + 1);
      },
    });
    const until = Date.now() + timeoutMs;
    while (!joined || !done()) {
      if (Date.now() > until) {
        throw new Error(
          `replay of ${group} on ${topic} did not reach the end within ${timeoutMs} ms: ` +
            ranges.map((r) => `p${r.partition} ${next.get(r.partition) ?? r.start}/${r.end}`).join(', '),
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return values;
}
