// A failover whose plan is larger than the worker's inline limit (KDR_PLAN_INLINE_BYTES, lowered here so 40
// groups count as large) runs as a small one does: the plan goes through the plan store on the secondary, the
// run reads its pages back, the query `plan` pages it, the approval and the reset cover every group, and
// `kdr plan` rebuilds it from the closed run's history. A real worker, real clusters.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planFromHistory } from '../../../app/cli/actions';
import { committedOffsets } from '../../../src/kafka/admin';
import { planQuery } from '../../../workflows/definitions';
import { benchPair, runFailover } from '../../../bench/failover';
import { cleanup, createFixture, type Fixture } from '../../../bench/fixture';
import { execute, testEnv, withKdrWorker } from '../../../stack/harness/kdr';
import { writePairsFile } from '../../helpers/cli';
import { drDrill, drFailover } from '../../../workflows';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import { closeTemporal } from '../../../stack/harness/temporal';

const GROUPS = 40;

describe('drFailover with a plan larger than the inline limit', () => {
  let f: Fixture;
  before(async () => {
    await ensureStack();
    const prefix = uniqueName('bigplan');
    f = await createFixture({ prefix, pairName: prefix, groups: GROUPS, recordsPerPartition: 20 });
  });
  after(async () => {
    if (f) await cleanup(f, (line) => console.log(line));
    await closeTemporal();
  });

  it('a drill of the pair seals the whole stored plan: the same planId as the dry-run failover', async () => {
    const pair = { ...benchPair(f.prefix, f.topic, f.canaryTopic), groups: { pattern: `${f.prefix}-g.*` } };
    const env = testEnv({ KDR_PLAN_INLINE_BYTES: '4000', KDR_PAIRS_FILE: writePairsFile([pair]) });
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const drill = await execute(client, drDrill, {
          taskQueue,
          workflowId: uniqueName('drill'),
          args: [{ pair: pair.name }],
        });
        const dry = await execute(client, drFailover, {
          taskQueue,
          workflowId: uniqueName('dry'),
          args: [{ pair: pair.name, requestedBy: 'alice', dryRun: true }],
        });
        if (!dry.dryRun) throw new Error('expected a dry run');
        assert.equal(
          drill.plan?.groups,
          GROUPS,
          `the drill planned every group (findings: ${drill.findings.join('; ')})`,
        );
        assert.equal(drill.plan?.planId, dry.planId, 'the drill reports the plan a dry run would approve');
      },
      { env },
    );
  });

  it('stores, pages, approves and resets every group; kdr plan rebuilds it from history', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const pair = benchPair(f.prefix, f.topic, f.canaryTopic);
        let paged: { offset: number; groups: string[] } | undefined;
        const run = await runFailover(client, taskQueue, {
          pair,
          groupPattern: `${f.prefix}-g.*`,
          workflowId: `${f.prefix}-failover`,
          expectGroups: GROUPS,
          beforeApproval: async (handle) => {
            const page = await handle.query(planQuery, { offset: 5, limit: 10 });
            paged = { offset: page?.page?.offset ?? -1, groups: (page?.plan.groups ?? []).map((g) => g.group) };
          },
        });
        assert.ok(run.planStored, 'the plan went through the plan store');
        assert.deepEqual(
          run.plan.map((g) => g.group),
          f.groups,
          'query plan answers every group, in order',
        );
        assert.deepEqual(paged, { offset: 5, groups: f.groups.slice(5, 15) });
        const reset = run.steps.find((s) => s.name === 'reset-offsets');
        assert.equal(reset?.state, 'succeeded');

        // Every group's planned offsets are what the secondary holds now.
        for (const g of run.plan) {
          const planned = g.offsets.map(([topic, partition, offset]) => ({ topic, partition, offset }));
          assert.deepEqual(await committedOffsets(f.secondary, g.group, planned), planned, g.group);
        }

        const description = await run.handle.describe();
        const fromHistory = await planFromHistory({ handle: run.handle, description } as never);
        assert.ok(fromHistory);
        assert.equal(fromHistory.planId, run.planId);
        assert.deepEqual(
          fromHistory.plan.groups.map((g) => [g.group, g.offsets]),
          run.plan.map((g) => [g.group, g.offsets]),
        );
        const page = await planFromHistory({ handle: run.handle, description } as never, { offset: 30, limit: 50 });
        assert.deepEqual(
          page?.plan.groups.map((g) => g.group),
          f.groups.slice(30),
        );
        assert.deepEqual(page?.page, { offset: 30, limit: 50, total: GROUPS });
      },
      { env: testEnv({ KDR_PLAN_INLINE_BYTES: '4000' }) },
    );
  });
});
