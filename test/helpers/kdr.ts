// End-to-end helpers: the real kafka-dr workflows and activities on a private task queue, pointed at the
// local stack (Kafka, Kafka Connect, the Alibaba Cloud emulator, the loopback DNS), and pair configs with
// names no other test uses.
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities, defaultDeps } from '../../activities';
import type { PairConfigInput } from '../../src/config';
import { local, localStackEnv } from '../../src/local-stack';
import { dataConverter } from '../../src/data-converter';
import { workflowBundle } from '../../src/worker';
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
  const worker = await Worker.create({
    connection: native,
    namespace: local.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(defaultDeps(options.env ?? testEnv())),
    dataConverter,
  });
  return worker.runUntil(fn({ client, taskQueue }));
}

/** A self-managed Kafka pair replicated by MirrorMaker 2, with its own topics, canary topic and DNS name. */
export function kafkaPair(name: string, topics: string[], overrides: Partial<PairConfigInput> = {}): PairConfigInput {
  return {
    name,
    primary: { provider: 'kafka', bootstrapServers: [local.primaryBootstrap], endpointHost: 'primary.kdr.test' },
    secondary: { provider: 'kafka', bootstrapServers: [local.secondaryBootstrap], endpointHost: 'secondary.kdr.test' },
    replication: {
      provider: 'kafka-connect', connectUrl: local.connectUrl, topics, canaryTopic: `${name}-canary`,
      thresholds: { canaryTimeoutMs: 60_000, connectorReadyTimeoutMs: 120_000 },
    },
    dns: { provider: 'alidns', domain: 'kdr.test', rr: name, ttl: 5, resolvers: [local.dnsServer] },
    ...overrides,
  };
}

/** An ApsaraMQ pair on the emulated instances, replicated by EventBridge event streams. */
export function apsaramqPair(name: string, topics: string[], overrides: Partial<PairConfigInput> = {}): PairConfigInput {
  return {
    name,
    primary: {
      provider: 'apsaramq', region: 'cn-hangzhou', instanceId: 'alikafka_pre-cn-kdrprimary01',
      bootstrapServers: [local.primaryBootstrap], endpointHost: 'alikafka-pre-cn-kdrprimary01-1-vpc.alikafka.aliyuncs.com',
    },
    secondary: {
      provider: 'apsaramq', region: 'cn-shanghai', instanceId: 'alikafka_pre-cn-kdrsecond001',
      bootstrapServers: [local.secondaryBootstrap], endpointHost: 'alikafka-pre-cn-kdrsecond001-1-vpc.alikafka.aliyuncs.com',
    },
    replication: {
      provider: 'eventbridge', topics, canaryTopic: `${name}-canary`,
      thresholds: { canaryTimeoutMs: 60_000, connectorReadyTimeoutMs: 120_000 },
    },
    dns: { provider: 'alidns', domain: 'kdr.test', rr: name, ttl: 5, resolvers: [local.dnsServer] },
    ...overrides,
  };
}

export async function status(handle: WorkflowHandle): Promise<RunStatus> {
  return handle.query(statusQuery);
}

/** Waits until the run blocks on a step, and returns that step's record. */
export async function blockedStep(handle: WorkflowHandle, boundMs = 180_000) {
  const s = await eventually(() => status(handle), (x) => x.phase === 'blocked', 'the run to block', boundMs);
  return s.steps.find((x) => x.state === 'blocked')!;
}
