// The worker is killed (SIGKILL: no shutdown, no goodbye to the server) at step boundaries of a planned
// drFailover and in the middle of the step's activity; a new worker is started each time. The run must finish
// without an operator, and no side effect may be applied twice: each group committed once on the secondary (its
// own __consumer_offsets log says so) and the CNAME updated once (the cloud API's own request log says so).
// `npm run chaos` (KDR_CHAOS=full) kills it at every step of the run, restarting it each time. `npm test` runs the
// second case: two workers on one task queue (as docker-compose.yml runs them), the one running the reset killed
// for good.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { drFailover, drSetup } from '../../workflows';
import { approveSignal, planQuery } from '../../workflows/definitions';
import { DrPhaseKey } from '../../workflows/runner';
import { workflowBundle } from '../../app/worker';
import { repoRoot } from '../../stack/local-stack';
import { setManyGroupOffsets } from '../../src/kafka/admin';
import { countCommits } from '../helpers/commits';
import { cloudEnvFor, startTestEmulator } from '../../stack/harness/emulator';
import { createTopic, deleteTopics, openBoth } from '../../stack/harness/kafka';
import {
  approveAll,
  execute,
  kafkaPair,
  removeMirror,
  runToEnd,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../stack/harness/temporal';

const full = process.env.KDR_CHAOS === 'full';
/** Where the worker dies: the steps of drFailover (awaiting-approval is the approval wait). */
const KILL_AT = [
  'load-pair',
  'assess',
  'plan',
  'awaiting-approval',
  'freeze',
  'reset-offsets',
  'switch-cname',
  'drain',
  'final-plan',
  'apply-final',
  'guard',
  'verify',
];

class WorkerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly exited: Promise<void>,
  ) {}

  static async start(taskQueue: string, codePath: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'test/chaos/worker-process.ts'), taskQueue, codePath],
      {
        cwd: repoRoot,
        env: { ...process.env, KDR_TEST_WORKER_ENV: JSON.stringify(env) },
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

  get pid(): number | undefined {
    return this.child.pid;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

interface Described {
  running: boolean;
  phase?: string;
  activityStarted: boolean;
}

async function describeRun(handle: WorkflowHandle): Promise<Described> {
  const d = await handle.describe();
  return {
    running: d.status.name === 'RUNNING',
    phase: d.typedSearchAttributes.get(DrPhaseKey),
    // PENDING_ACTIVITY_STATE_STARTED: a worker holds the attempt.
    activityStarted: (d.raw.pendingActivities ?? []).some((a) => Number(a.state) === 2),
  };
}

/** A MirrorMaker 2 pair set up for a failover: 300 groups committed on the primary, the applications stopped. */
async function preparedPair(label: string) {
  const kafka = await openBoth();
  const calls: string[] = [];
  const emu = await startTestEmulator({ log: (line) => calls.push(line) });
  const env = testEnv(cloudEnvFor(emu.emulator.url));
  const name = uniqueName(label);
  const topic = `${name}-orders`;
  const groups = Array.from({ length: 300 }, (_, i) => `${name}-g${i}`);
  const config = kafkaPair(name, [topic]);
  config.dns = { ...config.dns, resolvers: [`127.0.0.1:${emu.emulator.dnsPort}`] } as typeof config.dns;
  await createTopic(kafka.primary, topic, 2);
  const producer = kafka.primary.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: String(i) })) });
  await producer.disconnect();
  await setManyGroupOffsets(
    kafka.primary,
    groups.map((group, i) => ({ group, offsets: [0, 1].map((partition) => ({ topic, partition, offset: i % 40 })) })),
  );
  await withKdrWorker(
    ({ client, taskQueue }) =>
      execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config, watch: false }] }),
    { env },
  );
  return {
    kafka,
    env,
    config,
    groups,
    /** Successful CNAME updates the cloud API recorded so far. */
    dnsUpdates: () => calls.filter((l) => /alidns UpdateDomainRecord -> 200/.test(l)).length,
    /** Groups whose commit the secondary's own log does not record exactly once (two partitions: two records). */
    notCommittedOnce: async () => [...(await countCommits(kafka.secondary, groups))].filter(([, n]) => n !== 2),
    close: async () => {
      // Hundreds of groups left on the shared clusters slow every later test that selects all groups.
      for (const side of [kafka.primary, kafka.secondary]) await side.admin.deleteGroups(groups).catch(() => undefined);
      await removeMirror(name).catch(() => undefined);
      await emu.close();
      await deleteTopics(kafka.primary, [topic, `${name}-canary`]).catch(() => undefined);
      await deleteTopics(kafka.secondary, [topic, `${name}-canary`]).catch(() => undefined);
      await kafka.close();
    },
  };
}

async function bundleFile(): Promise<string> {
  const codePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-bundle-')), 'workflows.js');
  fs.writeFileSync(codePath, (await workflowBundle()).code);
  return codePath;
}

describe(
  'drFailover survives its worker killed (SIGKILL) at step boundaries and inside activities',
  { skip: !full && 'npm run chaos only (npm test runs the two-worker case below)' },
  () => {
    let pair: Awaited<ReturnType<typeof preparedPair>>;
    let codePath: string;

    before(async () => {
      await temporal();
      pair = await preparedPair('wk');
      codePath = await bundleFile();
    });
    after(async () => {
      await pair.close();
      await closeTemporal();
    });

    test(`killed at ${KILL_AT.length} points (${KILL_AT.join(', ')}): the run completes unattended, every side effect applied once`, async () => {
      const { client } = await temporal();
      const { env, config, groups } = pair;
      const taskQueue = uniqueName('kdr-tq');
      let worker = await WorkerProcess.start(taskQueue, codePath, env);
      const kills: string[] = [];
      const seen = new Set<string>();
      const dnsUpdatesBefore = pair.dnsUpdates();
      const started = Date.now();
      let approved = false;
      try {
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', switchover: { quietWindow: '2s', guard: '3s' } }],
        });
        for (;;) {
          const d = await describeRun(handle);
          if (!d.running) break;
          assert.notEqual(d.phase, 'blocked', 'a step blocked: the run needed an operator');
          // Approved by a person once the wait has had its kill (if it is a kill point): the new worker answers the query.
          const mayApprove = !KILL_AT.includes('awaiting-approval') || seen.has('awaiting-approval');
          if (d.phase === 'awaiting-approval' && !approved && mayApprove) {
            const view = await handle.query(planQuery);
            if (view) {
              await handle.signal(approveSignal, { by: 'bob', planId: view.planId });
              approved = true;
            }
          }
          if (d.phase && KILL_AT.includes(d.phase) && !seen.has(d.phase)) {
            seen.add(d.phase);
            const inside = d.phase !== 'awaiting-approval' && (await activityStarts(handle, d));
            await worker.kill();
            kills.push(`${d.phase}${inside ? ' (inside its activity)' : ''}`);
            worker = await WorkerProcess.start(taskQueue, codePath, env);
          }
          if (Date.now() - started > 900_000) throw new Error(`the run did not end within 15 min; phase ${d.phase}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const result = await handle.result();
        const seconds = (Date.now() - started) / 1000;
        assert.equal(result.outcome, 'completed');
        if (result.dryRun) throw new Error('not a dry run');
        const notOnce = await pair.notCommittedOnce();
        const dnsUpdates = pair.dnsUpdates() - dnsUpdatesBefore;
        console.log(
          `# worker SIGKILL at ${kills.length} points (${kills.join('; ')}): completed 1/1, operator interventions 0, ` +
            `groups committed other than once ${notOnce.length}/${groups.length}, CNAME updates ${dnsUpdates}, run ${seconds.toFixed(0)} s`,
        );
        assert.ok(
          kills.length >= Math.min(3, KILL_AT.length),
          `the worker was killed at ${kills.length} points only (${kills.join('; ')})`,
        );
        assert.deepEqual(notOnce, [], 'every group committed exactly once');
        assert.equal(dnsUpdates, 1, 'the CNAME was updated once');
        assert.equal(result.cname.after, 'secondary.kdr.test');
      } finally {
        await worker.kill();
      }
    });
  },
);

describe('two workers share a failover: one is killed in the middle of the reset, the other finishes the run', () => {
  let pair: Awaited<ReturnType<typeof preparedPair>>;
  let codePath: string;

  before(async () => {
    await temporal();
    pair = await preparedPair('ww');
    codePath = await bundleFile();
  });
  after(async () => {
    await pair.close();
    await closeTemporal();
  });

  test('no worker is restarted: the survivor takes over the lost attempt; each group committed once, the CNAME updated once', async () => {
    const { client } = await temporal();
    const taskQueue = uniqueName('kdr-tq');
    // Two replicas on one task queue, as docker-compose.yml runs them.
    const workers = await Promise.all([
      WorkerProcess.start(taskQueue, codePath, pair.env),
      WorkerProcess.start(taskQueue, codePath, pair.env),
    ]);
    const before = pair.dnsUpdates();
    try {
      const handle = await client.workflow.start(drFailover, {
        taskQueue,
        workflowId: uniqueName('drFailover'),
        args: [{ config: pair.config, requestedBy: 'alice', switchover: { quietWindow: '2s', guard: '3s' } }],
      });
      const approver = approveAll(handle, 'bob');
      const d = await eventually(
        () => describeRun(handle),
        (x) => x.phase === 'reset-offsets' && x.activityStarted,
        'the reset to run',
        180_000,
      );
      // The reset activity runs on one of the two; kill that one (its identity is the process id in the worker name).
      const holder = await resetHolder(handle);
      const victim = workers.find((w) => holder.includes(`${w.pid}@`)) ?? workers[0];
      await victim.kill();
      const result = await runToEnd(handle).finally(() => approver.stop());
      assert.equal(result.outcome, 'completed');
      if (result.dryRun) throw new Error('not a dry run');
      const notOnce = await pair.notCommittedOnce();
      console.log(
        `# two workers, the one running the reset (${d.phase}) SIGKILLed and not restarted: completed by the other; ` +
          `groups committed other than once ${notOnce.length}/${pair.groups.length}, CNAME updates ${pair.dnsUpdates() - before}`,
      );
      assert.deepEqual(notOnce, []);
      assert.equal(pair.dnsUpdates() - before, 1);
    } finally {
      for (const w of workers) await w.kill();
    }
  });
});

/** Waits (up to 3 s) for the phase's activity to be running on a worker; false if the phase moves on first. */
async function activityStarts(handle: WorkflowHandle, d: Described): Promise<boolean> {
  const until = Date.now() + 3_000;
  let inside = d.activityStarted;
  while (!inside && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    const again = await describeRun(handle);
    if (again.phase !== d.phase) break;
    inside = again.activityStarted;
  }
  return inside;
}

/** The identity of the worker holding the started activity ("<pid>@<host>" by default). */
async function resetHolder(handle: WorkflowHandle): Promise<string> {
  const d = await handle.describe();
  return (d.raw.pendingActivities ?? []).find((a) => Number(a.state) === 2)?.lastWorkerIdentity ?? '';
}
