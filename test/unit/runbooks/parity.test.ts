// Parity in the runbooks, fast: the real drSetup and drFailover code on a private dev server, the activities stubbed
// (stubs/activities.ts) with the gaps each test needs. check blocks with the list and the fixes (skip accepts them,
// audited), sync reports what it did and blocks naming what it could not; a failover shows the gaps in its plan and,
// under parity.failover "approve", waits for one approval more.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { drFailover } from '../../../workflows/dr-failover';
import type { drSetup } from '../../../workflows/dr-setup';
import {
  approveSignal,
  failbackWorkflowId,
  failoverWorkflowId,
  planQuery,
  resolveSignal,
  setupWorkflowId,
  watchWorkflowId,
} from '../../../workflows/contract';
import type { drFailback } from '../../../workflows/dr-failback';
import { parityReport, type ParityDirection } from '../../../src/parity/report';
import type { ParityGap } from '../../../src/parity/model';
import type { PairConfig } from '../../../src/config';
import { called, newWorld, worldStubs, type Stubs } from './stubs/activities';
import { runbookEnv, type RunbookEnv } from './stubs/env';
import { stubPair } from './stubs/pair';
import { awaitingApproval, blocked, states, status } from './stubs/run';

let env: RunbookEnv;
before(async () => {
  env = await runbookEnv();
});
after(async () => {
  await env?.teardown();
});

const USER: ParityGap = {
  kind: 'user',
  item: 'orders-app',
  primary: 'SCRAM-SHA-512',
  secondary: 'missing',
  why: 'missing: refused',
  fix: 'kafka-configs.sh --bootstrap-server 127.0.0.1:9 --alter --entity-type users --entity-name orders-app ...',
  change: { op: 'create-user', user: 'orders-app', mechanism: 'SCRAM-SHA-512', secretVar: 'KDR_SECRET_ORDERS_APP' },
};
const ACL: ParityGap = {
  kind: 'acl',
  item: 'User:billing ALLOW READ TOPIC:orders from *',
  primary: 'present',
  secondary: 'missing',
  why: 'refused READ',
  fix: 'kafka-acls.sh --bootstrap-server 127.0.0.1:9 --add --allow-principal User:billing ...',
  change: {
    op: 'create-acl',
    acl: {
      resourceType: 'TOPIC',
      resourceName: 'orders',
      patternType: 'LITERAL',
      principal: 'User:billing',
      operation: 'READ',
      permission: 'ALLOW',
      host: '*',
    },
  },
};

/** checkParity answering `gaps` (forward) until `fixed()` says they are gone. */
function gapsUntil(gaps: ParityGap[], fixed: () => boolean = () => false): Pick<Stubs, 'checkParity'> {
  return {
    async checkParity(_p, direction: ParityDirection = 'forward', target?: string) {
      return parityReport(direction, target ?? 'secondary', fixed() ? [] : gaps);
    },
  };
}

function runSetup(pair: PairConfig, stubs: Stubs, fn: (h: Awaited<ReturnType<typeof startSetup>>) => Promise<void>) {
  return env.withWorker(pair.name, stubs, async (taskQueue) => fn(await startSetup(taskQueue, pair)));
}
function startSetup(taskQueue: string, pair: PairConfig) {
  return env.client.workflow.start<typeof drSetup>('drSetup', {
    taskQueue,
    workflowId: setupWorkflowId(pair.name),
    args: [{ pair: pair.name, requestedBy: 'alice', watch: false }],
  });
}

describe('parity in the runbooks (stubbed activities)', () => {
  test('check: setup blocks before the CNAME with the sentence and the fixes; skip accepts the gaps, audited', async () => {
    const pair = stubPair('pcheck');
    const world = { ...newWorld(pair), cname: null };
    await runSetup(pair, worldStubs(pair, world, gapsUntil([USER, ACL])), async (h) => {
      const row = await blocked(h, 'parity');
      assert.match(
        row.lastError ?? '',
        /ParityGaps: 1 user and 1 ACL missing on the secondary: applications billing and orders-app will be refused/,
      );
      assert.match(row.lastError ?? '', /Fix: orders-app: kafka-configs\.sh/);
      assert.ok(
        !called(world).includes('ensureCname'),
        'the CNAME is not pointed at the primary of a pair the secondary cannot serve',
      );
      assert.ok(!called(world).includes('syncParity'), 'check changes nothing');
      await h.signal(resolveSignal, { action: 'skip', by: 'carol', note: 'accepted: platform team creates them' });
      const r = await h.result();
      assert.equal(r.outcome, 'completed');
      assert.equal(r.steps.find((s) => s.name === 'parity')?.state, 'skipped');
      assert.ok(
        r.audit.some((a) => a.by === 'carol' && a.step === 'parity' && a.accepted),
        JSON.stringify(r.audit),
      );
      assert.equal(r.dns.target, 'primary.kdr.test');
    });
  });

  test('check in parity: the step passes and says so', async () => {
    const pair = stubPair('pok');
    await runSetup(pair, worldStubs(pair, { ...newWorld(pair), cname: null }), async (h) => {
      const r = await h.result();
      assert.equal(r.steps.find((s) => s.name === 'parity')?.state, 'succeeded');
      assert.equal(r.parity?.mode, 'check');
    });
  });

  test('sync: what it could not do blocks the step naming each item; a retry after the fix passes', async () => {
    const pair = stubPair('psync', {
      parity: {
        mode: 'sync',
        users: [{ name: 'orders-app', mechanism: 'SCRAM-SHA-512', passwordEnv: 'KDR_SECRET_ORDERS_APP' }],
      },
    });
    const world = { ...newWorld(pair), cname: null };
    let variableSet = false;
    const stubs = worldStubs(pair, world, {
      async syncParity(_p, direction = 'forward') {
        return variableSet
          ? {
              direction,
              applied: [
                { kind: 'user', item: 'orders-app', action: 'created SCRAM-SHA-512 credential of orders-app' },
                { kind: 'acl', item: ACL.item, action: 'created ACL' },
              ],
              failed: [],
              byMirrorMaker: [],
              after: parityReport(direction, 'secondary', []),
            }
          : {
              direction,
              applied: [{ kind: 'acl', item: ACL.item, action: 'created ACL' }],
              failed: [
                {
                  kind: 'user',
                  item: 'orders-app',
                  error:
                    'variable KDR_SECRET_ORDERS_APP (parity.users, user orders-app) is not set on the worker: set it, then resolve retry',
                },
              ],
              byMirrorMaker: [],
              after: parityReport(direction, 'secondary', [USER]),
            };
      },
    });
    await runSetup(pair, stubs, async (h) => {
      const row = await blocked(h, 'parity');
      assert.match(
        row.lastError ?? '',
        /ParitySyncIncomplete: parity sync incomplete on the secondary: 1 applied \(User:billing ALLOW READ/,
      );
      assert.match(
        row.lastError ?? '',
        /FAILED 1: user orders-app: variable KDR_SECRET_ORDERS_APP .*is not set on the worker/,
      );
      assert.ok(!called(world).includes('ensureCname'));
      variableSet = true;
      await h.signal(resolveSignal, { action: 'retry', by: 'carol' });
      const r = await h.result();
      assert.equal(r.outcome, 'completed');
      assert.match(
        r.steps.find((s) => s.name === 'parity')?.summary ?? '',
        /^sync: 2 applied \(orders-app, User:billing/,
      );
      assert.deepEqual(r.parity && { mode: r.parity.mode, applied: r.parity.applied }, { mode: 'sync', applied: 2 });
    });
  });

  test('failback re-protect checks parity in reverse: the old primary lacks a user of the active side, the step blocks before any switch back', async () => {
    const pair = stubPair('pfb');
    const world = { ...newWorld(pair), cname: pair.secondary.endpointHost, forward: 'paused' as const };
    let fixed = false;
    const directions: string[] = [];
    const stubs = worldStubs(pair, world, {
      async checkParity(_p, direction: ParityDirection = 'forward', target?: string) {
        directions.push(direction);
        return parityReport(
          direction,
          target ?? (direction === 'forward' ? 'secondary' : 'old primary'),
          fixed ? [] : [USER],
        );
      },
    });
    await env.withWorker(pair.name, stubs, async (taskQueue) => {
      const h = await env.client.workflow.start<typeof drFailback>('drFailback', {
        taskQueue,
        workflowId: failbackWorkflowId(pair.name),
        args: [{ pair: pair.name, requestedBy: 'alice' }],
      });
      const waiting = await awaitingApproval(h);
      await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      const row = await blocked(h, 'reverse-parity');
      assert.match(
        row.lastError ?? '',
        /ParityGaps: 1 user missing on the old primary: application orders-app will be refused/,
      );
      assert.deepEqual(directions, ['reverse']);
      fixed = true;
      await h.signal(resolveSignal, { action: 'retry', by: 'carol' });
      const r = await h.result();
      assert.equal(states(r.steps)['reverse-parity'], 'succeeded');
      assert.equal(states(r.steps)['switch-back'], 'skipped');
      await env.client.workflow
        .getHandle(watchWorkflowId(pair.name))
        .terminate('test over')
        .catch(() => undefined);
    });
  });

  for (const policy of ['warn', 'approve'] as const) {
    test(`failover with gaps, parity.failover "${policy}": the plan shows them; ${policy === 'approve' ? 'one approval more' : "the pair's approvals"}`, async () => {
      const pair = stubPair(`pfo-${policy}`, { parity: { mode: 'check', failover: policy } });
      const stubs = worldStubs(pair, newWorld(pair), gapsUntil([USER, ACL]));
      await env.withWorker(pair.name, stubs, async (taskQueue) => {
        const h = await env.client.workflow.start<typeof drFailover>('drFailover', {
          taskQueue,
          workflowId: failoverWorkflowId(pair.name),
          args: [{ pair: pair.name, requestedBy: 'alice', switchover: { quietWindow: '1s', guard: '1s' } }],
        });
        const waiting = await awaitingApproval(h);
        const view = await h.query(planQuery);
        const shown = view!.plan as unknown as { parity?: { summary: string; total: number } };
        assert.equal(shown.parity?.total, 2);
        assert.match(
          shown.parity?.summary ?? '',
          /1 user and 1 ACL missing on the secondary: applications billing and orders-app will be refused/,
        );
        assert.match(
          (await status(h)).steps.find((s) => s.name === 'assess')?.summary ?? '',
          /^PARITY: 1 user and 1 ACL missing/,
        );
        assert.equal(waiting.approval?.required, policy === 'approve' ? 2 : 1);
        await h.signal(approveSignal, { by: 'bob', planId: view!.planId });
        if (policy === 'approve') {
          const still = await status(h);
          assert.equal(still.phase, 'awaiting-approval', 'one approval is not enough with gaps under "approve"');
          await h.signal(approveSignal, { by: 'dave', planId: view!.planId });
        }
        const r = await h.result();
        assert.equal(r.outcome, 'completed');
        assert.ok(r.dryRun === false);
        assert.deepEqual(
          r.approvedBy.map((a) => a.by),
          policy === 'approve' ? ['bob', 'dave'] : ['bob'],
        );
      });
    });
  }
});
