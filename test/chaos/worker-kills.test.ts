// The worker is killed (SIGKILL: no shutdown, no goodbye to the server) at step boundaries of a planned
// drFailover and in the middle of the step's activity; a new worker is started each time. The run must finish
// without an operator, and no side effect may be applied twice: each group committed once on the secondary (its
// own __consumer_offsets log says so) and the CNAME updated once (the cloud API's own request log says so).
// `npm test` kills at three points; `npm run chaos` (KDR_CHAOS=full) at every step of the run.
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
import { workflowBundle } from '../../src/worker';
import { repoRoot } from '../../src/local-stack';
import { setManyGroupOffsets } from '../../src/kafka/admin';
import { countCommits } from '../helpers/commits';
import { cloudEnvFor, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { createTopic, deleteTopics, openBoth } from '../helpers/kafka';
import { execute, kafkaPair, removeMirror, testEnv, uniqueName, withKdrWorker } from '../helpers/kdr';
import { closeTemporal, temporal } from '../helpers/temporal';

const full = process.env.KDR_CHAOS === 'full';
/** Where the worker dies: the steps of drFailover (awaiting-approval is the approval wait). */
const KILL_AT = full
  ? ['resolve', 'assess', 'plan', 'awaiting-approval', 'freeze', 'reset-offsets', 'switch-cname', 'drain', 'final-plan', 'apply-final', 'guard', 'verify']
  : ['plan', 'reset-offsets', 'switch-cname'];

class WorkerProcess {
  private constructor(private readonly child: ChildProcess, readonly exited: Promise<void>) {}

  static async start(taskQueue: string, codePath: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/chaos/worker-process.ts'), taskQueue, codePath], {
      cwd: repoRoot, env: { ...process.env, KDR_TEST_WORKER_ENV: JSON.stringify(env) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
      void exited.then(() => reject(new Error(`the worker process exited before it was ready: ${stderr}`)));
    });
    return new WorkerProcess(child, exited);
  }

  async kill(): Promise<void> {
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

describe('drFailover survives its worker killed (SIGKILL) at step boundaries and inside activities', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  let emu: TestEmulator;
  const cloudCalls: string[] = [];
  const name = uniqueName('wk');
  const topic = `${name}-orders`;
  const groups = Array.from({ length: 300 }, (_, i) => `${name}-g${i}`);
  let env: NodeJS.ProcessEnv;
  let config: ReturnType<typeof kafkaPair>;
  let codePath: string;

  before(async () => {
    await temporal();
    kafka = await openBoth();
    emu = await startTestEmulator({ log: (line) => cloudCalls.push(line) });
    env = testEnv(cloudEnvFor(emu.emulator.url));
    config = kafkaPair(name, [topic]);
    config.dns = { ...config.dns, resolvers: [`127.0.0.1:${emu.emulator.dnsPort}`] } as typeof config.dns;
    await createTopic(kafka.primary, topic, 2);
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: String(i) })) });
    await producer.disconnect();
    // The applications are stopped: every group committed part of the topic on the primary.
    await setManyGroupOffsets(kafka.primary, groups.map((group, i) => ({ group, offsets: [0, 1].map((partition) => ({ topic, partition, offset: i % 40 })) })));
    await withKdrWorker(({ client, taskQueue }) => execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config, watch: false }] }), { env });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-bundle-'));
    codePath = path.join(dir, 'workflows.js');
    fs.writeFileSync(codePath, (await workflowBundle()).code);
  });
  after(async () => {
    await removeMirror(name).catch(() => undefined);
    await emu.close();
    await deleteTopics(kafka.primary, [topic, `${name}-canary`]).catch(() => undefined);
    await deleteTopics(kafka.secondary, [topic, `${name}-canary`]).catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test(`killed at ${KILL_AT.length} points (${KILL_AT.join(', ')}): the run completes unattended, every side effect applied once`, async () => {
    const { client } = await temporal();
    const taskQueue = uniqueName('kdr-tq');
    let worker = await WorkerProcess.start(taskQueue, codePath, env);
    const kills: string[] = [];
    const seen = new Set<string>();
    const dnsUpdatesBefore = cloudCalls.filter((l) => /alidns UpdateDomainRecord -> 200/.test(l)).length;
    const started = Date.now();
    let approved = false;
    try {
      const handle = await client.workflow.start(drFailover, {
        taskQueue, workflowId: uniqueName('drFailover'),
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
          // Inside the step's activity where it has one (waits a moment for it to start), else at the boundary.
          const until = Date.now() + 3_000;
          let inside = d.activityStarted;
          while (!inside && Date.now() < until && d.phase !== 'awaiting-approval') {
            await new Promise((r) => setTimeout(r, 50));
            const again = await describeRun(handle);
            if (again.phase !== d.phase) break;
            inside = again.activityStarted;
          }
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
      const commits = await countCommits(kafka.secondary, groups);
      // Two partitions per group: one commit of the group writes one record per partition.
      const notOnce = [...commits].filter(([, n]) => n !== 2);
      const dnsUpdates = cloudCalls.filter((l) => /alidns UpdateDomainRecord -> 200/.test(l)).length - dnsUpdatesBefore;
      console.log(`# worker SIGKILL at ${kills.length} points (${kills.join('; ')}): completed 1/1, operator interventions 0, ` +
        `groups committed other than once ${notOnce.length}/${groups.length}, CNAME updates ${dnsUpdates}, run ${seconds.toFixed(0)} s`);
      assert.ok(kills.length >= Math.min(3, KILL_AT.length), `the worker was killed at ${kills.length} points only (${kills.join('; ')})`);
      assert.deepEqual(notOnce, [], 'every group committed exactly once');
      assert.equal(dnsUpdates, 1, 'the CNAME was updated once');
      assert.equal(result.cname.after, 'secondary.kdr.test');
    } finally {
      await worker.kill();
    }
  });
});
