// drFailback's runbook logic, fast: the real workflow code on a private Temporal dev server (stubs/env.ts), every
// activity a stub (stubs/activities.ts) — no Kafka, Kafka Connect or emulator. Refused when the pair has not failed
// over; re-protect behind the approval of the sealed failback plan (nothing deleted before it, nothing after a reject);
// an incomplete export blocks before anything is deleted; the export-only stages; the switch-back as drFailover in
// reverse (a child with its own approval) followed by forward replication restored; a run that finds the CNAME already
// on the primary restores forward replication after an approval of its own, or skips it when nothing is left to do.
// Verified broker-free: the pairs point every endpoint at 127.0.0.1:9 (nothing listens), the file asserts at the end
// that kafkajs was never loaded in its process (no Kafka client can have been built), and the four runbook files pass
// with every stack port variable (KDR_PRIMARY_PORT, KDR_SECONDARY_PORT, KDR_CONNECT_PORT, KDR_EMULATOR_PORT,
// KDR_DNS_PORT, KDR_DR_PORT) set to 9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { drFailback } from '../../../workflows/dr-failback';
import {
  approveSignal,
  failbackWorkflowId,
  planQuery,
  rejectSignal,
  resolveSignal,
  switchBackWorkflowId,
  watchWorkflowId,
} from '../../../workflows/contract';
import type { PairConfig } from '../../../src/config';
import { called, callsOf, newWorld, worldStubs, type Stubs, type World } from './stubs/activities';
import { kafkaClientNeverLoaded, runbookEnv, type RunbookEnv } from './stubs/env';
import { stubPair } from './stubs/pair';
import { awaitingApproval, blocked, endedWith, states } from './stubs/run';

let env: RunbookEnv;
before(async () => {
  env = await runbookEnv();
});
after(async () => {
  await env?.teardown();
});

async function failback<T>(
  pair: PairConfig,
  stubs: Stubs,
  input: Record<string, unknown>,
  fn: (h: Awaited<ReturnType<typeof start>>) => Promise<T>,
): Promise<T> {
  return env.withWorker(pair.name, stubs, async (taskQueue) => fn(await start(taskQueue, pair, input)));
}

function start(taskQueue: string, pair: PairConfig, input: Record<string, unknown>) {
  return env.client.workflow.start<typeof drFailback>('drFailback', {
    taskQueue,
    workflowId: failbackWorkflowId(pair.name),
    args: [{ pair: pair.name, requestedBy: 'alice', ...input }],
  });
}

/** The switch-back part of drFailback's result, as kdr reads it. */
interface SwitchedBack {
  switchedBack: { workflowId: string | null; byEarlierRun: boolean; mode?: string };
  forward: { connector: string; reverseRemoved: boolean; watch: string };
}

/** A pair after drFailover: the CNAME on the secondary, forward replication paused, no reverse replication yet. */
function failedOver(pair: PairConfig): World {
  return { ...newWorld(pair), cname: pair.secondary.endpointHost, forward: 'paused' };
}

const deleting = ['clearOldPrimary', 'ensureReverseReplication', 'pauseReplication', 'restoreForward', 'ensureCname'];
const changesIn = (world: World) => called(world).filter((n) => deleting.includes(n));

/** The watch a finished failback starts runs on this file's worker until stopped: stop it with the test. */
async function stopWatch(pair: PairConfig) {
  await env.client.workflow
    .getHandle(watchWorkflowId(pair.name))
    .terminate('test over')
    .catch(() => undefined);
}

describe('drFailback (stubbed activities)', () => {
  test('a pair that has not failed over is refused, nothing changed', async () => {
    const pair = stubPair('fb-refused');
    const world = newWorld(pair);
    await failback(pair, worldStubs(pair, world), {}, async (h) => {
      const { failure } = await endedWith(h);
      assert.equal(failure.type, 'Refused');
      assert.match(
        failure.message,
        /has not failed over: .* points at primary\.kdr\.test, not at the secondary .*Failback changed nothing/,
      );
    });
    assert.deepEqual(changesIn(world), []);
    assert.ok(!called(world).includes('assessFailback'));
  });

  test('re-protect: tail exported, then after the approval of the sealed plan forward paused, old primary emptied, reverse verified', async () => {
    const pair = stubPair('fb-reprotect');
    const world = failedOver(pair);
    const result = await failback(pair, worldStubs(pair, world), {}, async (h) => {
      const waiting = await awaitingApproval(h);
      assert.deepEqual(changesIn(world), [], 'nothing is paused or deleted before the approval');
      assert.ok(called(world).includes('exportTail'));
      const shown = await h.query(planQuery);
      assert.equal(shown?.planId, waiting.planId);
      const fb = shown?.plan as unknown as {
        kind: string;
        clear: [string, number, number][];
        topics: { topic: string; tailRecords: number }[];
      };
      assert.equal(fb.kind, 'failback');
      assert.deepEqual(
        fb.clear,
        [
          ['orders', 0, 43],
          ['orders', 1, 20],
        ],
        'the plan names what will be deleted',
      );
      assert.deepEqual(
        fb.topics.map((t) => [t.topic, t.tailRecords]),
        [['orders', 3]],
      );
      await h.signal(approveSignal, { by: 'alice', planId: waiting.planId! });
      await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      return h.result();
    });
    assert.equal(result.reprotected, true);
    if (!result.reprotected) return;
    assert.equal(result.tailRecords, 3);
    assert.deepEqual(result.cleared, { partitions: 2, byEarlierRun: false });
    assert.equal(result.reverse.connector, `kdr-${pair.name}-reverse-mm2-source`);
    assert.deepEqual(
      result.approvedBy.map((a) => a.by),
      ['bob'],
    );
    assert.deepEqual(
      changesIn(world),
      ['pauseReplication', 'clearOldPrimary', 'ensureReverseReplication'],
      'pause, empty, then reverse',
    );
    assert.deepEqual(states(result.steps), {
      'load-pair': 'succeeded',
      'failed-over': 'succeeded',
      assess: 'succeeded',
      export: 'succeeded',
      approval: 'succeeded',
      'pause-forward': 'succeeded',
      'clear-old-primary': 'succeeded',
      'ensure-reverse': 'succeeded',
      'reverse-verify': 'succeeded',
      'reverse-parity': 'succeeded',
      'switch-back': 'skipped',
      'restore-approval': 'skipped',
      'restore-forward': 'skipped',
      'forward-verify': 'skipped',
      report: 'succeeded',
    });
    assert.equal(world.cname, 'secondary.kdr.test', 're-protect leaves the CNAME on the secondary');
    assert.ok(
      result.audit.some((a) => a.action === 'clear-old-primary' && /2 partition\(s\) emptied/.test(a.note ?? '')),
    );
  });

  test('an incomplete export blocks before anything is deleted; after resolve retry a reject ends the run with nothing deleted', async () => {
    const pair = stubPair('fb-export');
    const world = failedOver(pair);
    let exports = 0;
    const stubs = worldStubs(pair, world, {
      async exportTail(_p, tails, o) {
        exports++;
        return tails.map((t) => ({
          topic: t.topic,
          exportTopic: `${t.topic}${o.exportSuffix}`,
          expected: t.records,
          alreadyThere: exports > 1 ? 2 : 0,
          written: exports > 1 ? 1 : 2,
          verified: exports > 1 ? t.records : 2,
          missing: exports > 1 ? [] : ['orders[0]@42'],
        }));
      },
    });
    await failback(pair, stubs, {}, async (h) => {
      const row = await blocked(h, 'export');
      assert.match(
        row.lastError ?? '',
        /ExportIncomplete: the export is incomplete: orders\.kdr-unreplicated has 2\/3, missing e\.g\. orders\[0\]@42.*Nothing was deleted/,
      );
      assert.deepEqual(changesIn(world), []);
      await h.signal(resolveSignal, { action: 'retry', by: 'bob' });
      await awaitingApproval(h);
      await h.signal(rejectSignal, { by: 'bob', reason: 'keep the old primary for forensics' });
      const { failure, report } = await endedWith(h);
      assert.equal(failure.type, 'Rejected');
      assert.equal(report?.steps.find((s) => s.name === 'export')?.attempts, 2);
    });
    assert.equal(exports, 2);
    assert.deepEqual(changesIn(world), [], 'rejected: nothing paused, deleted or created');
  });

  test('stages assess and export only: the tail is exported and verified, replication and the old primary are left alone', async () => {
    const pair = stubPair('fb-export-only');
    const world = failedOver(pair);
    const result = await failback(pair, worldStubs(pair, world), { stages: ['assess', 'export'] }, (h) => h.result());
    assert.equal(result.reprotected, false);
    assert.equal(result.tailRecords, 3);
    assert.deepEqual(
      result.steps.filter((s) => s.state === 'succeeded').map((s) => s.name),
      ['load-pair', 'failed-over', 'assess', 'export'],
    );
    assert.ok(result.steps.slice(4).every((s) => s.state === 'skipped'));
    assert.deepEqual(changesIn(world), []);
  });

  test('switch back: drFailover in reverse as a child with its own approval, then forward replication restored and verified', async () => {
    const pair = stubPair('fb-switch');
    const world: World = { ...failedOver(pair), reverse: 'running' };
    const result = await failback(
      pair,
      worldStubs(pair, world),
      { stages: ['switch-back'], switchover: { quietWindow: '1s', guard: 0 } },
      async (h) => {
        const child = env.client.workflow.getHandle(switchBackWorkflowId(pair.name));
        const waiting = await awaitingApproval(child);
        const shown = await child.query(planQuery);
        assert.deepEqual(shown?.plan.cname, {
          domain: `${pair.dns.rr}.kdr.test`,
          from: 'secondary.kdr.test',
          to: 'primary.kdr.test',
        });
        assert.equal(world.cname, 'secondary.kdr.test', "the CNAME waits for the switch-back's approval");
        await child.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
        const r = await h.result();
        await stopWatch(pair);
        return r;
      },
    );
    assert.equal(world.cname, 'primary.kdr.test');
    const switched = result as unknown as SwitchedBack;
    assert.deepEqual(
      { id: switched.switchedBack.workflowId, mode: switched.switchedBack.mode },
      { id: switchBackWorkflowId(pair.name), mode: 'switchover' },
    );
    assert.equal(switched.forward.connector, `kdr-${pair.name}-mm2-source`);
    assert.equal(switched.forward.reverseRemoved, true);
    assert.match(switched.forward.watch, new RegExp(`${watchWorkflowId(pair.name)} started`));
    assert.deepEqual(states(result.steps), {
      'load-pair': 'succeeded',
      'failed-over': 'succeeded',
      assess: 'skipped',
      export: 'skipped',
      approval: 'skipped',
      'pause-forward': 'skipped',
      'clear-old-primary': 'skipped',
      'ensure-reverse': 'skipped',
      'reverse-verify': 'skipped',
      'reverse-parity': 'skipped',
      'switch-back': 'succeeded',
      'restore-approval': 'skipped',
      'restore-forward': 'succeeded',
      'forward-verify': 'succeeded',
      report: 'succeeded',
    });
    // Offsets before the CNAME in the child; forward replication restored only after the switch.
    const order = called(world).filter((n) => ['resetGroups', 'ensureCname', 'restoreForward'].includes(n));
    assert.deepEqual(order.slice(0, 2), ['resetGroups', 'ensureCname']);
    assert.equal(order.at(-1), 'restoreForward');
    assert.equal(callsOf(world, 'ensureCname')[0].detail, 'primary.kdr.test');
  });

  test('already switched back with reverse replication left: forward is restored only after an approval of its own', async () => {
    const pair = stubPair('fb-restore');
    const world: World = { ...newWorld(pair), forward: 'paused', reverse: 'running' };
    const result = await failback(pair, worldStubs(pair, world), { stages: ['switch-back'] }, async (h) => {
      const waiting = await awaitingApproval(h, 'restore-approval');
      assert.ok(!called(world).includes('restoreForward'));
      await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      const r = await h.result();
      await stopWatch(pair);
      return r;
    });
    assert.deepEqual((result as unknown as SwitchedBack).switchedBack, { workflowId: null, byEarlierRun: true });
    assert.equal(result.steps.find((s) => s.name === 'restore-approval')?.state, 'succeeded');
    assert.equal(callsOf(world, 'restoreForward').length, 1);
  });

  test('already switched back and forward running with no reverse left: nothing to approve, forward verified again', async () => {
    const pair = stubPair('fb-done');
    const world = newWorld(pair);
    const result = await failback(pair, worldStubs(pair, world), { stages: ['switch-back'] }, async (h) => {
      const r = await h.result();
      await stopWatch(pair);
      return r;
    });
    assert.ok(
      result.audit.some(
        (a) => a.action === 'skip' && a.step === 'restore-approval' && /nothing to change/.test(a.note ?? ''),
      ),
    );
    assert.ok(!result.audit.some((a) => a.action === 'approve'));
    assert.equal(result.steps.find((s) => s.name === 'forward-verify')?.state, 'succeeded');
  });

  test('no Kafka client was ever loaded by these runs', () => {
    assert.ok(kafkaClientNeverLoaded());
  });
});
