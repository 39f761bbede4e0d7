// What the automatic-failover stack tests share: the pair's notifications as the webhook received them, the
// failover runs of a pair as Temporal lists them, applications producing and consuming through the custom domain
// (each remembering what the cluster acknowledged or what it processed), and a remote probe worker.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities, defaultDeps } from '../../../activities';
import { workflowBundle } from '../../../app/worker';
import { dataConverter } from '../../../src/data-converter';
import { failoverWorkflowId } from '../../../workflows/contract';
import { statusQuery } from '../../../workflows/definitions';
import type { RunStatus } from '../../../workflows/runner';
import { drSetup } from '../../../workflows';
import { execute, uniqueName } from '../../../stack/harness/kdr';
import { local, repoRoot } from '../../../stack/local-stack';
import type { AutoPair } from '../../../stack/harness/auto-pair';
import { partitionOffsets, type AdminSession } from '../../../src/kafka/admin';
import { readRange } from '../../../src/kafka/protocol';
import { temporal } from '../../../stack/harness/temporal';
import { Consuming, RetryingProducer, viaDomain, type AppClient } from '../../../stack/harness/traffic';
import type { Receiver } from '../notify/receiver';

export interface Posted {
  kind?: string;
  pair?: string;
  title?: string;
  text?: string;
  [k: string]: unknown;
}

/** Every notification the webhook received for the pair (generic webhook bodies: the event, title and text). */
export function postsFor(receiver: Receiver, pair: string): Posted[] {
  return receiver.received.map((r) => r.body as Posted).filter((b) => b && typeof b === 'object' && b.pair === pair);
}

/** The automatic-failover posts (alerts, pages, the failover's own start notice): those naming the policy. */
export function autoPosts(receiver: Receiver, pair: string): Posted[] {
  return postsFor(receiver, pair).filter((b) => /auto/i.test(String(b.kind ?? '')) || /automatic/i.test(b.title ?? ''));
}

export interface FailoverRun {
  runId: string;
  status: string;
  startTime: Date;
}

/** The pair's drFailover runs (the usual workflow id), oldest first. */
export async function failoverRuns(client: Client, pair: string): Promise<FailoverRun[]> {
  const runs: FailoverRun[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${failoverWorkflowId(pair)}'` }))
    runs.push({ runId: w.runId, status: w.status.name, startTime: w.startTime });
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Applications on the pair's custom domain: one producer, consumer groups (the last ones slow, so they lag). */
export class Apps {
  private constructor(
    readonly producer: RetryingProducer,
    readonly consumers: Consuming[],
    private readonly clients: AppClient[],
  ) {}

  static async start(pair: AutoPair, groups: string[], perSecond = 150, slow: string[] = []): Promise<Apps> {
    const producerClient = viaDomain(pair.domain, 'orders-service');
    const producer = await RetryingProducer.start(producerClient.kafka, pair.topic, perSecond);
    const clients = groups.map((g) => viaDomain(pair.domain, g));
    const consumers = await Promise.all(
      groups.map((g, i) =>
        Consuming.start(clients[i].kafka, g, pair.topic, { delayMs: slow.includes(g) ? 8 : 0, commitEveryMs: 500 }),
      ),
    );
    return new Apps(producer, consumers, [producerClient, ...clients]);
  }

  /** The applications die with the primary (their connections cut, no reconnect through the domain). */
  async crash(): Promise<void> {
    for (const c of this.clients) c.crash();
    await Promise.all([this.producer.stop(), ...this.consumers.map((c) => c.stop())]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.producer.stop(), ...this.consumers.map((c) => c.stop())]);
  }
}

/** A remote probe worker: its own task queue, only the probe activity, the same pairs file as the kdr worker. */
export async function startRemoteProbe(taskQueue: string, env: NodeJS.ProcessEnv): Promise<{ stop(): Promise<void> }> {
  const { native } = await temporal();
  const { probePrimary } = createActivities(defaultDeps(env));
  const worker = await Worker.create({
    connection: native,
    namespace: local.namespace,
    taskQueue,
    activities: { probePrimary },
    dataConverter,
  });
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running.catch(() => undefined);
    },
  };
}

/** A kafka-dr worker in a process of its own (test/chaos/worker-process.ts), so a test can SIGKILL it. */
export class WorkerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly exited: Promise<void>,
  ) {}

  static async bundle(): Promise<string> {
    const codePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-bundle-')), 'workflows.js');
    fs.writeFileSync(codePath, (await workflowBundle()).code);
    return codePath;
  }

  static async start(
    taskQueue: string,
    codePath: string,
    env: NodeJS.ProcessEnv,
    temporalAddress?: string,
  ): Promise<WorkerProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'test/chaos/worker-process.ts'), taskQueue, codePath],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          KDR_TEST_WORKER_ENV: JSON.stringify(env),
          ...(temporalAddress ? { KDR_TEST_TEMPORAL_ADDRESS: temporalAddress } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
      void exited.then(() => reject(new Error(`the worker process exited before it was ready: ${stderr}`)));
    });
    return new WorkerProcess(child, exited);
  }

  /** SIGKILL: no shutdown, no goodbye to the server. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** drSetup of the pair from the worker's pairs file: it starts the pair's watch, which carries the policy. */
export async function setUp(client: Client, taskQueue: string, pair: string): Promise<void> {
  const setup = await execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ pair }] });
  assert.equal(setup.outcome, 'completed');
  assert.equal(setup.watch?.outcome, 'started');
}

/**
 * Waits until a drFailover has moved the domain and applied the final offsets: the moment consumers may resume on the
 * secondary. The run goes on with its post-switch guard (five minutes by default, longer than a test file may wait).
 * Fails at once, naming the step and its error, when the run blocks or ends otherwise.
 */
export async function untilConsumersMayResume(handle: WorkflowHandle, boundMs = 240_000): Promise<RunStatus> {
  const until = Date.now() + boundMs;
  let last: RunStatus | undefined;
  while (Date.now() < until) {
    last = await handle.query(statusQuery).catch(() => last);
    if (last) {
      const blocked = last.steps.find((x) => x.state === 'blocked');
      if (last.phase === 'blocked' || blocked)
        throw new Error(`run ${handle.workflowId} blocked at ${blocked?.name}: ${blocked?.lastError ?? '-'}`);
      if (['aborted', 'rejected'].includes(last.phase)) throw new Error(`run ${handle.workflowId} ${last.phase}`);
      const guard = last.steps.find((x) => x.name === 'guard');
      if (last.phase === 'completed' || (guard && guard.state !== 'pending')) return last;
    }
    await sleep(250);
  }
  throw new Error(`run ${handle.workflowId} did not switch within ${boundMs} ms; phase ${last?.phase ?? 'unknown'}`);
}

/** Ends the pair's failover runs still running (a test's worker is gone after it: nothing would finish them). */
export async function terminateFailovers(client: Client, pair: string): Promise<void> {
  for (const r of await failoverRuns(client, pair))
    if (r.status === 'RUNNING')
      await client.workflow
        .getHandle(failoverWorkflowId(pair), r.runId)
        .terminate('test over')
        .catch(() => undefined);
}

/**
 * Offset commits the cluster recorded for these groups since `marks` (the ends of __consumer_offsets taken before),
 * read from its own log: a commit of one partition is one record. Reading only the window keeps it exact and quick on
 * a shared cluster whose log holds many other groups' commits.
 */
export async function commitsSince(
  s: AdminSession,
  groups: readonly string[],
  marks: ReadonlyMap<number, number>,
): Promise<Map<string, number>> {
  const counts = new Map(groups.map((g) => [g, 0]));
  for (const log of await partitionOffsets(s, ['__consumer_offsets'])) {
    const from = marks.get(log.partition);
    if (from === undefined) continue;
    for (const r of await readRange(s.protocol, '__consumer_offsets', log.partition, from, log.end)) {
      if (!r.key || !r.value || r.key.length < 4 || r.key.readInt16BE(0) > 1) continue;
      const group = r.key.subarray(4, 4 + r.key.readInt16BE(2)).toString('utf8');
      if (counts.has(group)) counts.set(group, counts.get(group)! + 1);
    }
  }
  return counts;
}

/** The ends of the __consumer_offsets partitions, to count these groups' commits from with commitsSince. */
export async function commitMarks(s: AdminSession): Promise<Map<number, number>> {
  return new Map((await partitionOffsets(s, ['__consumer_offsets'])).map((l) => [l.partition, l.end]));
}
