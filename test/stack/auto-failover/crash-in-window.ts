// The scenario of issue 26's last "done when" (restart.test.ts): the worker process dies and the Temporal server
// restarts while an automatic failover waits out its veto window. The window is a durable timer and the watch
// remembers the failover it started, so the outage gets one failover only, its groups' offsets committed once on the
// secondary (the secondary's own __consumer_offsets log says so).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { failoverWorkflowId, watchWorkflowId } from '../../../workflows/contract';
import { statusQuery, watchQuery } from '../../../workflows/definitions';
import type { drFailover, drWatch } from '../../../workflows';
import { readPositions } from '../../../src/kafka/positions';
import { startAutoPair, type AutoPair } from '../../../stack/harness/auto-pair';
import { uniqueName } from '../../../stack/harness/kdr';
import { POLICY_APPROVER } from '../../../workflows/failover/auto-approval';
import { eventually } from '../../../stack/harness/temporal';
import {
  Apps,
  commitMarks,
  commitsSince,
  failoverRuns,
  setUp,
  sleep,
  untilConsumersMayResume,
  WorkerProcess,
} from './scenario';

export interface CrashInWindow {
  client: Client;
  /** A Temporal server of the test's own (chaos); the shared stack's otherwise. */
  temporalAddress?: string;
  /** The pair's name prefix (the harness makes it unique). */
  prefix: string;
  drIp: string;
  webhookUrl: string;
  /** Registers what the test's after() must undo (the pair itself is handed to `onPair`). */
  cleanup: (c: () => Promise<unknown>) => void;
  onPair: (pair: AutoPair) => void;
  /** Called in the veto window with the worker already dead; the new worker starts when it returns. */
  inWindow: () => Promise<string[]>;
}

export async function crashInVetoWindow(o: CrashInWindow): Promise<void> {
  const p = await startAutoPair(o.prefix, {
    drIp: o.drIp,
    webhookUrl: o.webhookUrl,
    autoFailover: { enabled: true, after: '10s', vetoWindow: '40s', maxAtRisk: { records: 100_000 } },
  });
  o.onPair(p);
  const { client } = o;
  const taskQueue = uniqueName('af-crash-tq');
  const codePath = await WorkerProcess.bundle();
  o.cleanup(async () => fs.rmSync(path.dirname(codePath), { recursive: true, force: true }));
  let worker = await WorkerProcess.start(taskQueue, codePath, p.env, o.temporalAddress);
  o.cleanup(() => worker.kill());
  o.cleanup(() =>
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
    (r) => groups.every((g) => r.byGroup.get(g)?.size === 3 && [...r.byGroup.get(g)!.values()].every((x) => x.matched)),
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
  // The crash, then whatever else the window brings (a server restart), then a new worker on the same task queue.
  await worker.kill();
  await sleep(5_000);
  const happened = await o.inWindow();
  worker = await WorkerProcess.start(taskQueue, codePath, p.env, o.temporalAddress);

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
    `# in the window: worker killed${happened.map((h) => `, ${h}`).join('')}; ` +
      `commits on the secondary per group: ${JSON.stringify([...commits])}; ` +
      `reset-offsets: ${said('reset-offsets')}; apply-final: ${said('apply-final')}`,
  );
  for (const g of groups) assert.equal(commits.get(g), 3, `${g}: one commit of its 3 partitions`);
}
