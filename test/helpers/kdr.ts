// End-to-end helpers: the real kafka-dr workflows and activities on a private task queue, pointed at the
// local stack (Kafka, Kafka Connect, the Alibaba Cloud emulator, the loopback DNS), and pair configs with
// names no other test uses.
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities, defaultDeps } from '../../activities';
import type { PairConfigInput } from '../../src/config';
import { KafkaConnectProvider } from '../../src/connectors/kafka-connect';
import { localApsaramqPair, localKafkaPair } from '../../src/local-pairs';
import { local, localStackEnv } from '../../src/local-stack';
import { createWorker } from '../../src/worker';
import { statusQuery } from '../../workflows/definitions';
import type { RunStatus } from '../../workflows/runner';
import { eventually, temporal, uniqueName, type WorkerRun } from './temporal';

export { uniqueName };

export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...localStackEnv({}), ...extra };
}

/** Runs `fn` while a real kafka-dr worker (all workflows, all activities) polls a fresh task queue. */
export async function withKdrWorker<T>(fn: (run: WorkerRun) => Promise<T>, options: { env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const { client, native } = await temporal();
  const taskQueue = uniqueName('kdr-tq');
  // The worker of src/worker.ts (same bundle, data converter, defaults), on a private task queue.
  const worker = await createWorker({ connection: native, taskQueue, activities: createActivities(defaultDeps(options.env ?? testEnv())) });
  return worker.runUntil(fn({ client, taskQueue }));
}

/** A self-managed Kafka pair replicated by MirrorMaker 2, with its own topics, canary topic and DNS name. */
export function kafkaPair(name: string, topics: string[], overrides: Partial<PairConfigInput> = {}): PairConfigInput {
  return { ...localKafkaPair(name, topics), ...overrides };
}

/** An ApsaraMQ pair on the emulated instances, replicated by EventBridge event streams. */
export function apsaramqPair(name: string, topics: string[], overrides: Partial<PairConfigInput> = {}): PairConfigInput {
  return { ...localApsaramqPair(name, topics), ...overrides };
}

export async function status(handle: WorkflowHandle): Promise<RunStatus> {
  return handle.query(statusQuery);
}

/** Waits until the run blocks on a step, and returns that step's record. */
export async function blockedStep(handle: WorkflowHandle, boundMs = 180_000) {
  const s = await eventually(() => status(handle), (x) => x.phase === 'blocked', 'the run to block', boundMs);
  return s.steps.find((x) => x.state === 'blocked')!;
}

/** Removes a kafka-connect pair's MirrorMaker 2 connectors from the shared Kafka Connect (idempotent). */
export function removeMirror(pair: string): Promise<{ removed: boolean }> {
  return new KafkaConnectProvider({ url: local.connectUrl })
    .remove({ pair, primary: { bootstrapServers: [] }, secondary: { bootstrapServers: [] }, topics: [] });
}
