// End-to-end helpers: the real kafka-dr workflows and activities on a private task queue, pointed at the
// local stack (Kafka, Kafka Connect, the Alibaba Cloud emulator, the loopback DNS), and pair configs with
// names no other test uses.
import type { WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import { createActivities, defaultDeps } from '../../activities';
import type { PairConfigInput } from '../../src/config';
import { KafkaConnectProvider } from '../../src/connectors/kafka-connect';
import { localApsaramqPair, localKafkaPair } from '../local-pairs';
import { local, localStackEnv } from '../local-stack';
import { createWorker, workflowsPath } from '../../app/worker';
import { approveSignal, statusQuery } from '../../workflows/definitions';
import type { RunStatus } from '../../workflows/runner';
import { eventually, temporal, uniqueName, workflowBundle, type WorkerRun } from './temporal';

export { uniqueName };

export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...localStackEnv({}), ...extra };
}

/** Runs `fn` while a real kafka-dr worker (all workflows, all activities) polls a fresh task queue. */
export async function withKdrWorker<T>(
  fn: (run: WorkerRun) => Promise<T>,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  const { client, native } = await temporal();
  const taskQueue = uniqueName('kdr-tq');
  // The worker of app/worker.ts (same bundle, data converter, defaults), on a private task queue.
  const worker = await createWorker({
    connection: native,
    taskQueue,
    activities: createActivities(defaultDeps(options.env ?? testEnv())),
    workflowBundle: await workflowBundle(workflowsPath),
  });
  try {
    return await worker.runUntil(fn({ client, taskQueue }));
  } finally {
    // drSetup starts a drWatch that outlives it: without this worker nothing would ever run it again.
    for await (const w of client.workflow.list({
      query: `WorkflowType = 'drWatch' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`,
    })) {
      await client.workflow
        .getHandle(w.workflowId, w.runId)
        .terminate('test worker stopped')
        .catch(() => undefined);
    }
  }
}

/** A self-managed Kafka pair replicated by MirrorMaker 2, with its own topics, canary topic and DNS name. */
export function kafkaPair(name: string, topics: string[], overrides: Partial<PairConfigInput> = {}): PairConfigInput {
  return { ...localKafkaPair(name, topics), ...overrides };
}

/** An ApsaraMQ pair on the emulated instances, replicated by EventBridge event streams. */
export function apsaramqPair(
  name: string,
  topics: string[],
  overrides: Partial<PairConfigInput> = {},
): PairConfigInput {
  return { ...localApsaramqPair(name, topics), ...overrides };
}

export async function status(handle: WorkflowHandle): Promise<RunStatus> {
  return handle.query(statusQuery);
}

/** Waits until the run blocks on a step, and returns that step's record. */
export async function blockedStep(handle: WorkflowHandle, boundMs = 180_000) {
  const s = await eventually(
    () => status(handle),
    (x) => x.phase === 'blocked',
    'the run to block',
    boundMs,
  );
  return s.steps.find((x) => x.state === 'blocked')!;
}

/**
 * The run's result, or a failure as soon as the run blocks on a step (naming the step and its error), or when
 * `boundMs` passes: a test waiting for a run never hangs on a blocked step. A blocked run is terminated.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runToEnd<H extends WorkflowHandle<any>>(
  handle: H,
  boundMs = 300_000,
): Promise<Awaited<ReturnType<H['result']>>> {
  type R = Awaited<ReturnType<H['result']>>;
  let settled = false;
  let wake = () => undefined as void;
  const result = handle.result().finally(() => {
    settled = true;
    wake();
  }) as Promise<R>;
  const watch = (async (): Promise<void> => {
    const until = Date.now() + boundMs;
    while (!settled) {
      const s = await status(handle).catch(() => undefined);
      if (settled) return;
      const blocked = s?.phase === 'blocked' ? s.steps.find((x) => x.state === 'blocked') : undefined;
      if (blocked) {
        await handle.terminate('test: the run blocked').catch(() => undefined);
        throw new Error(
          `run ${handle.workflowId} blocked at step ${blocked.name}: ${blocked.lastError ?? '(no error recorded)'}`,
        );
      }
      if (Date.now() > until) {
        await handle.terminate('test: the run did not finish in time').catch(() => undefined);
        throw new Error(
          `run ${handle.workflowId} did not finish within ${boundMs} ms; phase ${s?.phase ?? 'unknown'}, waiting for ${s?.waitingFor ?? '-'}`,
        );
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 250);
      });
    }
  })();
  try {
    return await Promise.race([result, watch.then(() => result)]);
  } finally {
    // No status query may outlive the call: the caller's worker stops next (a query of a run without a worker
    // hangs), then the shared connection closes, and the client's retry of a query on a closed channel throws
    // outside any promise ("Channel has been shut down", an uncaught exception that failed a CI run).
    await watch.catch(() => undefined);
  }
}

/** Starts a workflow and waits for it with runToEnd. */
export async function execute<W extends Workflow>(
  client: WorkerRun['client'],
  workflow: W,
  options: WorkflowStartOptions<W>,
  boundMs?: number,
): Promise<WorkflowResultType<W>> {
  return runToEnd(await client.workflow.start(workflow, options), boundMs) as Promise<WorkflowResultType<W>>;
}

/** Removes a kafka-connect pair's MirrorMaker 2 connectors from the shared Kafka Connect (idempotent). */
export function removeMirror(pair: string): Promise<{ removed: boolean }> {
  return new KafkaConnectProvider({ url: local.connectUrl }).remove({
    pair,
    primary: { bootstrapServers: [] },
    secondary: { bootstrapServers: [] },
    topics: [],
  });
}

/** Approves every plan the run asks about (first approval, and again at the reapproval if the final plan is worse). */
export function approveAll(handle: WorkflowHandle, by: string): { stop(): void; approved: string[] } {
  const approved: string[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const s = await status(handle).catch(() => undefined);
      // Once per approval step: a reapproval may ask again for the same planId (only the duplicate bound grew).
      const step = s?.steps.find((x) => x.state === 'running')?.name ?? '';
      if (s?.approval && !approved.includes(`${step}:${s.approval.planId}`)) {
        approved.push(`${step}:${s.approval.planId}`);
        await handle.signal(approveSignal, { by, planId: s.approval.planId }).catch(() => undefined);
      }
      if (s && ['completed', 'aborted', 'rejected'].includes(s.phase)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
    approved,
  };
}
