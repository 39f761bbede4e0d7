// Issue 26: the kafka-dr worker dies (SIGKILL) while an automatic failover waits out its veto window, and a new
// worker process takes over. The veto window is a durable timer and the watch remembers the failover it started, so
// the outage gets one failover only: one drFailover run, completed, each group's offsets committed once on the
// secondary (its own __consumer_offsets log says so). The shared Temporal server is never restarted from a
// test/stack file: the worker, a process of the test's own, is what dies here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { failoverWorkflowId, watchWorkflowId } from '../../../workflows/contract';
import { statusQuery, watchQuery } from '../../../workflows/definitions';
import type { drFailover, drWatch } from '../../../workflows';
import { readPositions } from '../../../src/kafka/positions';
import { startAutoPair, type AutoPair } from '../../../stack/harness/auto-pair';
import { uniqueName } from '../../../stack/harness/kdr';
import { POLICY_APPROVER } from '../../../workflows/failover/auto-approval';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { startReceiver, type Receiver } from '../notify/receiver';
import {
  Apps,
  commitMarks,
  commitsSince,
  failoverRuns,
  setUp,
  sleep,
  terminateFailovers,
  untilConsumersMayResume,
  WorkerProcess,
} from './scenario';

describe('automatic failover: the worker killed in the veto window', () => {
  let receiver: Receiver;
  let pair: AutoPair | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  before(async () => {
    await temporal();
    receiver = await startReceiver('unused-secret');
  });
  after(async () => {
    if (pair) await terminateFailovers((await temporal()).client, pair.name).catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await pair?.remove().catch(() => undefined);
    await receiver?.close();
    await closeTemporal();
  });

  test('a new worker carries the one failover through the switch: one run, each group committed once', async () => {
    pair = await startAutoPair('af-restart', {
      drIp: '127.0.0.45',
      webhookUrl: `${receiver.url}/hook`,
      autoFailover: { enabled: true, after: '10s', vetoWindow: '40s', maxAtRisk: { records: 100_000 } },
    });
    const p = pair;
    const { client } = await temporal();
    const taskQueue = uniqueName('af-restart-tq');
    const codePath = await WorkerProcess.bundle();
    cleanups.push(async () => fs.rmSync(path.dirname(codePath), { recursive: true, force: true }));
    let worker = await WorkerProcess.start(taskQueue, codePath, p.env);
    cleanups.push(() => worker.kill());
    cleanups.push(() =>
      client.workflow
        .getHandle(watchWorkflowId(p.name))
        .terminate('test over')
        .catch(() => undefined),
    );
    const groups = [`${p.name}-billing`, `${p.name}-ledger`];

    await setUp(client, taskQueue, p.name);
    const apps = await Apps.start(p, groups, 100, [groups[1]]);
    await eventually(
      () => readPositions(p.secondary, p.name),
      (r) =>
        groups.every((g) => r.byGroup.get(g)?.size === 3 && [...r.byGroup.get(g)!.values()].every((x) => x.matched)),
      'exact snapshots of both groups',
      120_000,
    );
    const marks = await commitMarks(p.secondary);
    await p.primary.kill();
    await apps.crash();

    await eventually(
      () => failoverRuns(client, p.name),
      (r) => r.length > 0,
      'the watch to start drFailover',
      120_000,
    );
    const handle = client.workflow.getHandle<typeof drFailover>(failoverWorkflowId(p.name));
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'awaiting-approval',
      'the veto window',
      120_000,
    );
    // The crash, then a checks' worth of nothing running, then a new worker process on the same task queue.
    await worker.kill();
    await sleep(5_000);
    worker = await WorkerProcess.start(taskQueue, codePath, p.env);

    // The new worker picks the run up where it was: the window's timer ran on the server, the switch follows.
    const run = await untilConsumersMayResume(handle);
    assert.equal(run.steps.find((x) => x.name === 'switch-cname')?.state, 'succeeded');
    assert.ok(
      run.audit.some((a) => a.by === POLICY_APPROVER && a.accepted !== false),
      JSON.stringify(run.audit),
    );
    // The watch, stopped by the failover when it moved the CNAME, started nothing else meanwhile.
    const runs = await failoverRuns(client, p.name);
    assert.equal(runs.length, 1, `one failover run: ${JSON.stringify(runs)}`);
    const w = await client.workflow.getHandle<typeof drWatch>(watchWorkflowId(p.name)).query(watchQuery);
    assert.equal(w.auto?.started?.outcome, 'started', JSON.stringify(w.auto));
    const commits = await commitsSince(p.secondary, groups, marks);
    const said = (step: string) => run.steps.find((x) => x.name === step)?.summary ?? '-';
    console.log(
      `# commits on the secondary per group: ${JSON.stringify([...commits])}; ` +
        `reset-offsets: ${said('reset-offsets')}; apply-final: ${said('apply-final')}`,
    );
    for (const g of groups) assert.equal(commits.get(g), 3, `${g}: one commit of its 3 partitions`);
  });
});
