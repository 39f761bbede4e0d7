// Live traffic for a DR drill: a producer writing continuously to the primary, consumer groups consuming and
// committing there, and — after the failover — the same groups resuming on the secondary through the custom
// domain. Every record carries an id, so the drill can count, per group, what was lost and what was read twice.
import type { Admin, Consumer, Producer } from 'kafkajs';
import { createKafka } from '../../src/kafka/clients';

export interface TrafficTarget {
  /** "host:port" the clients bootstrap from, e.g. the custom domain `orders.kdr.test:39092`. */
  bootstrap: string;
  /** Resolve broker names through this DNS server ("ip:port"), e.g. the local stack's loopback DNS. */
  dnsServer?: string;
}

export interface GroupSpec {
  group: string;
  topics: string[];
}

/** What a group has processed: record id -> times seen, per side. */
export interface GroupLedger {
  group: string;
  topics: string[];
  primary: Map<string, number>;
  secondary: Map<string, number>;
  /** When each record was first processed on the primary (epoch ms). */
  primaryAt: Map<string, number>;
}

export interface GroupOutcome {
  group: string;
  /** Records produced (acknowledged) on the group's topics. */
  produced: number;
  consumedOnPrimary: number;
  consumedOnSecondary: number;
  /** Produced records the group never processed on either side. */
  lost: number;
  /** Extra processings: a record processed n times (on either side) counts n - 1. */
  duplicates: number;
  /** Of those, records first processed on the primary after `planAt`: a plan's bound cannot count them. */
  duplicatesAfterPlan: number;
}

const recordId = (topic: string, seq: number) => `${topic}#${seq}`;

function client(target: TrafficTarget, clientId: string) {
  return createKafka({ bootstrapServers: [target.bootstrap] }, { clientId, dnsServer: target.dnsServer, retries: 5 });
}

/** A producer writing `perSecond` records a second, round-robin over `topics`, until stopped. */
export class TrafficProducer {
  /** Acknowledged record ids per topic. */
  readonly acked = new Map<string, Set<string>>();
  private producer: Producer | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private seq = 0;
  lastError: string | undefined;

  constructor(
    private readonly target: TrafficTarget,
    private readonly topics: string[],
    private readonly perSecond = 20,
  ) {
    for (const t of topics) this.acked.set(t, new Set());
  }

  get total(): number {
    return [...this.acked.values()].reduce((n, s) => n + s.size, 0);
  }

  async start(): Promise<void> {
    this.producer = client(this.target, 'kdr-demo-producer').producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const batch = Math.max(1, Math.round(this.perSecond / 5));
    while (this.running) {
      for (const topic of this.topics) {
        const messages = Array.from({ length: batch }, () => {
          const seq = ++this.seq;
          return { key: `k${seq % 16}`, value: JSON.stringify({ id: recordId(topic, seq), at: Date.now() }) };
        });
        try {
          await this.producer!.send({ topic, messages, acks: -1 });
          for (const m of messages) this.acked.get(topic)!.add(JSON.parse(m.value).id);
        } catch (err) {
          // Not acknowledged: not counted as produced (the drill only promises what the primary accepted).
          this.lastError = err instanceof Error ? err.message : String(err);
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.producer?.disconnect();
  }
}

/** Consumer groups processing (and committing) on one side; a record is "processed" when its handler ran. */
export class TrafficConsumers {
  private consumers: Consumer[] = [];

  constructor(
    private readonly target: TrafficTarget,
    private readonly ledgers: GroupLedger[],
    private readonly side: 'primary' | 'secondary',
  ) {}

  async start(): Promise<void> {
    for (const ledger of this.ledgers) {
      const consumer = client(this.target, `kdr-demo-${ledger.group}`).consumer({
        groupId: ledger.group,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        allowAutoTopicCreation: false,
      });
      await consumer.connect();
      await consumer.subscribe({ topics: ledger.topics, fromBeginning: true });
      const seen = ledger[this.side];
      await consumer.run({
        autoCommitInterval: 500,
        eachMessage: async ({ message }) => {
          const id = (JSON.parse(message.value?.toString() ?? '{}') as { id?: string }).id;
          if (!id) return;
          seen.set(id, (seen.get(id) ?? 0) + 1);
          if (this.side === 'primary' && !ledger.primaryAt.has(id)) ledger.primaryAt.set(id, Date.now());
        },
      });
      this.consumers.push(consumer);
    }
  }

  /** Leaves the groups (committing what was processed): a group with live members cannot be reset. */
  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.disconnect()));
    this.consumers = [];
  }
}

export function ledgers(groups: GroupSpec[]): GroupLedger[] {
  return groups.map((g) => ({ ...g, primary: new Map(), secondary: new Map(), primaryAt: new Map() }));
}

/** Lost and duplicated records per group, against what the producer got acknowledged. */
export function outcome(ledger: GroupLedger, producer: TrafficProducer, planAt = Infinity): GroupOutcome {
  const produced = ledger.topics.flatMap((t) => [...(producer.acked.get(t) ?? [])]);
  let lost = 0;
  let duplicates = 0;
  let duplicatesAfterPlan = 0;
  for (const id of produced) if (!ledger.primary.has(id) && !ledger.secondary.has(id)) lost += 1;
  for (const id of new Set([...ledger.primary.keys(), ...ledger.secondary.keys()])) {
    const extra = Math.max(0, (ledger.primary.get(id) ?? 0) + (ledger.secondary.get(id) ?? 0) - 1);
    duplicates += extra;
    if ((ledger.primaryAt.get(id) ?? 0) > planAt) duplicatesAfterPlan += extra;
  }
  return {
    group: ledger.group,
    produced: produced.length,
    consumedOnPrimary: ledger.primary.size,
    consumedOnSecondary: ledger.secondary.size,
    lost,
    duplicates,
    duplicatesAfterPlan,
  };
}

/** True once every acknowledged record of the group's topics was processed on one side or the other. */
export function caughtUp(ledger: GroupLedger, producer: TrafficProducer): boolean {
  return ledger.topics.every((t) =>
    [...(producer.acked.get(t) ?? [])].every((id) => ledger.primary.has(id) || ledger.secondary.has(id)),
  );
}

/** Records the group has yet to read on the cluster `admin` talks to (log end minus committed offset, summed). */
export async function groupLag(admin: Admin, ledger: Pick<GroupLedger, 'group' | 'topics'>): Promise<number> {
  const committed = await admin.fetchOffsets({ groupId: ledger.group, topics: ledger.topics });
  let lag = 0;
  for (const t of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(t.topic)).map((p) => [p.partition, Number(p.high)]));
    for (const p of t.partitions) {
      const end = ends.get(p.partition) ?? 0;
      const at = Number(p.offset);
      lag += at < 0 ? end : Math.max(0, end - at);
    }
  }
  return lag;
}
