// Does the primary serve clients right now? The automatic failover's Kafka probe: cluster metadata, then one record
// produced to the pair's canary topic and fetched back, all within a few seconds and without retries (a probe that
// retried for a minute would answer after the question stopped mattering). The record's value carries no canary
// run id, so the canary's readers (src/kafka/canary.ts) skip it wherever it is replicated to.
import type { Kafka } from 'kafkajs';
import { openProtocolSession } from './admin';
import { fetchFrom } from './protocol';

/** The whole probe (connect, metadata, produce, fetch) gives up after this long. */
export const PROBE_DEADLINE_MS = 8_000;

export type PrimaryProbe =
  | { answered: true; ms: number }
  /** The cluster answers but the probe could not complete for a reason that is not the cluster being down. */
  | { answered: 'unknown'; ms: number; error: string }
  | { answered: false; ms: number; error: string };

/** The canary topic's probe record (JSON, one line): who probed and when; never a `runId`, see above. */
export function probeValue(vantage: string, nonce: string, at: number): string {
  return JSON.stringify({ kdrProbe: vantage, nonce, at });
}

/**
 * Probes the cluster `kafka` reaches (built with short timeouts and no retries by the caller). Never throws for an
 * unreachable or failing cluster: it answers `answered: false` with the error.
 */
export async function probeCluster(
  kafka: Kafka,
  opts: { topic: string; vantage: string; nonce: string; deadlineMs?: number },
): Promise<PrimaryProbe> {
  const started = Date.now();
  const deadlineMs = opts.deadlineMs ?? PROBE_DEADLINE_MS;
  const closers: (() => Promise<unknown>)[] = [];
  let finished = false;
  // A connection still opening when the deadline fires is closed as soon as it opens, never left behind.
  const track = (close: () => Promise<unknown>) => {
    if (finished) void close().catch(() => undefined);
    else closers.push(close);
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  const step = { name: 'connect' };
  try {
    return await Promise.race([
      (async (): Promise<PrimaryProbe> => {
        const session = await openProtocolSession(kafka);
        track(() => session.close());
        step.name = 'metadata';
        await session.protocol.cluster.addMultipleTargetTopics([opts.topic]).catch((err: Error) => {
          throw Object.assign(err, { topicMissing: /UNKNOWN_TOPIC|does not host this topic/i.test(err.message) });
        });
        step.name = 'produce';
        const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
        track(() => producer.disconnect());
        await producer.connect();
        const [sent] = await producer.send({
          topic: opts.topic,
          acks: -1,
          timeout: Math.min(5_000, deadlineMs),
          messages: [{ partition: 0, value: probeValue(opts.vantage, opts.nonce, Date.now()) }],
        });
        step.name = 'fetch';
        const offset = Number(sent?.baseOffset ?? sent?.offset);
        if (!Number.isInteger(offset)) throw new Error(`the produce answered no offset (${JSON.stringify(sent)})`);
        const { records } = await fetchFrom(session.protocol, opts.topic, 0, offset, { waitMs: 500 });
        const back = records.find((r) => r.offset === offset);
        if (!back?.value?.toString().includes(opts.nonce))
          throw new Error(`record ${opts.topic}[0]@${offset} just produced is not readable back`);
        return { answered: true, ms: Date.now() - started };
      })(),
      timeout,
    ]);
  } catch (err) {
    const e = err as Error & { topicMissing?: boolean; type?: string };
    const message = `${step.name}: ${e.message}`.slice(0, 300);
    // The cluster answered, but the pair's canary topic is not there: not set up (drSetup creates it), not down.
    if (e.topicMissing || e.type === 'UNKNOWN_TOPIC_OR_PARTITION')
      return {
        answered: 'unknown',
        ms: Date.now() - started,
        error: `canary topic ${opts.topic} missing on the primary (drSetup creates it): ${message}`,
      };
    return { answered: false, ms: Date.now() - started, error: message };
  } finally {
    finished = true;
    clearTimeout(timer);
    await Promise.allSettled(closers.map((c) => c()));
  }
}
