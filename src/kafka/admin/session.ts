// One kafkajs Admin plus one protocol connection per cluster, opened once and shared by the operations.
import type { Admin, Kafka } from 'kafkajs';
import { openCluster, type ProtocolHandle } from '../protocol';
import { ClusterUnreachableError } from './errors';

export interface AdminSession {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly protocol: ProtocolHandle;
  close(): Promise<void>;
}

export async function openAdmin(kafka: Kafka): Promise<AdminSession> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw new ClusterUnreachableError(`cannot connect: ${(err as Error).message}`);
  }
  let protocol: ProtocolHandle;
  try {
    protocol = await openCluster(kafka);
  } catch (err) {
    await admin.disconnect().catch(() => undefined);
    throw new ClusterUnreachableError(`cannot connect: ${(err as Error).message}`);
  }
  // kafkajs starts without broker metadata and the first lookup waits out a retry delay (~400 ms) before
  // fetching it; fetching it now makes the first group operation as fast as the rest (see docs/benchmarks.md).
  try {
    await protocol.cluster.refreshMetadata();
    await admin.fetchTopicMetadata({ topics: [] });
  } catch (err) {
    await Promise.allSettled([admin.disconnect(), protocol.close()]);
    throw new ClusterUnreachableError(`cannot read cluster metadata: ${(err as Error).message}`);
  }
  return {
    kafka,
    admin,
    protocol,
    close: async () => {
      await Promise.allSettled([admin.disconnect(), protocol.close()]);
    },
  };
}

export interface ClusterDescription {
  reachable: boolean;
  clusterId?: string;
  brokers?: { nodeId: number; host: string; port: number }[];
  controller?: number | null;
  error?: string;
  elapsedMs: number;
}

/**
 * Reachability check that never throws and returns within about `timeoutMs` (kafkajs's own retries are
 * bounded by the client settings; the race covers a broker that accepts TCP but never answers).
 */
export async function describeCluster(kafka: Kafka, timeoutMs = 8000): Promise<ClusterDescription> {
  const started = Date.now();
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const d = await Promise.race([
      (async () => {
        await admin.connect();
        return admin.describeCluster();
      })(),
      timeout,
    ]);
    return {
      reachable: true,
      clusterId: d.clusterId,
      brokers: d.brokers,
      controller: d.controller,
      elapsedMs: Date.now() - started,
    };
  } catch (err) {
    return { reachable: false, error: (err as Error).message, elapsedMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    void admin.disconnect().catch(() => undefined);
  }
}

/**
 * Only the protocol connection, metadata fetched up front: what a reset needs. Opening kafkajs's Admin as
 * well (a second connection and metadata request) was a fixed cost paid by every reset batch for nothing.
 */
export async function openProtocolSession(
  kafka: Kafka,
): Promise<{ readonly protocol: ProtocolHandle; close(): Promise<void> }> {
  let protocol: ProtocolHandle;
  try {
    protocol = await openCluster(kafka);
  } catch (err) {
    throw new ClusterUnreachableError(`cannot connect: ${(err as Error).message}`);
  }
  try {
    await protocol.cluster.refreshMetadata();
  } catch (err) {
    await protocol.close().catch(() => undefined);
    throw new ClusterUnreachableError(`cannot read cluster metadata: ${(err as Error).message}`);
  }
  return { protocol, close: () => protocol.close() };
}
