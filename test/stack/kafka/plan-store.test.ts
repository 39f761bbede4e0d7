// A plan larger than the inline limit goes through the plan store on the secondary (src/kafka/plan-store.ts):
// written in pages, read back page by page and checked; planOffsets returns its first page and a reference,
// heartbeats its progress, and an attempt retried after the plan was made returns it without planning again.
// Against the real local secondary; the limit is lowered (KDR_PLAN_INLINE_BYTES) so 30 groups are "large".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, defaultDeps } from '../../../activities';
import type { PlanProgress } from '../../../activities/failover';
import { PairConfigSchema } from '../../../src/config';
import { localStackEnv } from '../../../stack/local-stack';
import { PlanStoreError, readPage, readRangeOf, storePages } from '../../../src/plan/store';
import { planPage, PLAN_PAGE_GROUPS, PLAN_WHOLE_BYTES } from '../../../workflows/runner/types';
import type { FailoverPlan, GroupTarget } from '../../../src/plan/model';
import { benchPair } from '../../../bench/failover';
import { cleanup, createFixture, type Fixture } from '../../../bench/fixture';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';

describe('plan store', () => {
  let f: Fixture;
  before(async () => {
    await ensureStack();
    const prefix = uniqueName('planstore');
    f = await createFixture({ prefix, pairName: prefix, groups: 30, recordsPerPartition: 20 });
  });
  after(async () => {
    if (f) await cleanup(f, (line) => console.log(line));
  });

  it('writes items in pages and reads any range back, each page checked against its hash', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      group: `g${String(i).padStart(2, '0')}`,
      pad: 'x'.repeat(100 + i),
    }));
    const ref = await storePages(f.secondary, items, 1000);
    assert.ok(ref.pages.length > 3, `${ref.pages.length} pages`);
    assert.equal(
      ref.pages.reduce((n, p) => n + p.groups, 0),
      50,
    );
    assert.equal(ref.groups, 50);
    assert.deepEqual(await readRangeOf(f.secondary, ref, 0, 50), items);
    assert.deepEqual(await readRangeOf(f.secondary, ref, 7, 23), items.slice(7, 23));
    // Written twice, the same content has the same id (keys are content hashes: compaction keeps one copy).
    assert.equal((await storePages(f.secondary, items, 1000)).sha256, ref.sha256);
    const forged = { ...ref, pages: ref.pages.map((p, i) => (i === 1 ? { ...p, sha256: '0'.repeat(64) } : p)) };
    await assert.rejects(readPage(f.secondary, forged, 1), PlanStoreError);
    await assert.rejects(readPage(f.secondary, ref, ref.pages.length), PlanStoreError);
  });

  it('planOffsets stores a plan above the limit: its pages put together are the plan made inline; progress is heartbeaten; a retry resumes', async () => {
    const pair = PairConfigSchema.parse(benchPair(f.prefix, f.topic, f.canaryTopic));
    const options = {
      topics: [f.topic, f.canaryTopic],
      primaryReachable: true,
      latencyMs: 50,
      groups: { pattern: `${f.prefix}-g.*` },
    };
    const plan = async (env: NodeJS.ProcessEnv, mock = new MockActivityEnvironment()) =>
      (await mock.run(createActivities(defaultDeps(env)).planOffsets, pair, options as never)) as FailoverPlan;

    const inline = await plan(localStackEnv({}));
    assert.equal(inline.stored, undefined);
    assert.equal(inline.groups.length, 30);

    const beats: PlanProgress[] = [];
    const mock = new MockActivityEnvironment();
    mock.on('heartbeat', (d: PlanProgress) => beats.push(d));
    const stored = await plan({ ...localStackEnv({}), KDR_PLAN_INLINE_BYTES: '2000' }, mock);
    const ref = stored.stored;
    assert.ok(ref, 'the plan went to the store');
    assert.ok(ref.pages.length > 1, `${ref.pages.length} pages`);
    assert.equal(stored.groups.length, ref.pages[0].groups, 'the activity returns the first page only');
    assert.deepEqual(stored.totals, inline.totals, 'totals are those of the whole plan');
    assert.equal(stored.planId, inline.planId);
    const read = createActivities(defaultDeps(localStackEnv({}))).readPlanPage;
    const rest: GroupTarget[] = [];
    for (let i = 1; i < ref.pages.length; i++)
      rest.push(...((await new MockActivityEnvironment().run(read, pair, ref, i)) as GroupTarget[]));
    assert.deepEqual([...stored.groups, ...rest], inline.groups);

    assert.ok(
      beats.some(
        (b) => b.phase === 'primary commits' && b.groupsDone === 30 && b.progress === 'primary commits: 30 / 30 groups',
      ),
      `heartbeats: ${beats.map((b) => b.progress).join(' | ')}`,
    );
    const last = beats[beats.length - 1];
    assert.deepEqual(last.result, stored, 'the last heartbeat carries the result');

    // A retried attempt (the first one made the plan, then its completion was lost) returns it at once.
    const again: PlanProgress[] = [];
    const retry = new MockActivityEnvironment({ heartbeatDetails: last, attempt: 2 });
    retry.on('heartbeat', (d: PlanProgress) => again.push(d));
    assert.deepEqual(await plan(localStackEnv({}), retry), stored);
    assert.deepEqual(again, [], 'nothing was read again');
  });
});

describe('query plan pages', () => {
  const plan = (n: number, pad = 0) => ({
    pair: 'p',
    groups: Array.from({ length: n }, (_, i) => ({ group: `g${i}`, pad: 'x'.repeat(pad) })),
  });

  it('answers a small plan whole, a large one a page at a time, and any page asked for', () => {
    assert.deepEqual(planPage('id', plan(3)), { planId: 'id', plan: plan(3) });
    // Many groups but little JSON: whole, as before paging.
    assert.equal(planPage('id', plan(PLAN_PAGE_GROUPS + 5)).plan.groups.length, PLAN_PAGE_GROUPS + 5);
    const big = planPage('id', plan(PLAN_PAGE_GROUPS + 5, Math.ceil(PLAN_WHOLE_BYTES / PLAN_PAGE_GROUPS)));
    assert.equal(big.plan.groups.length, PLAN_PAGE_GROUPS);
    assert.deepEqual(big.page, { offset: 0, limit: PLAN_PAGE_GROUPS, total: PLAN_PAGE_GROUPS + 5 });
    const p = planPage('id', plan(10), { offset: 4, limit: 3 });
    assert.deepEqual(
      p.plan.groups.map((g: { group: string }) => g.group),
      ['g4', 'g5', 'g6'],
    );
    assert.deepEqual(p.page, { offset: 4, limit: 3, total: 10 });
    assert.deepEqual(planPage('id', plan(10), { offset: 20 }).plan.groups, []);
    // A plan without a group list (drFailback's) is answered as it is.
    assert.deepEqual(planPage('id', { kind: 'failback' }, { offset: 1 }), { planId: 'id', plan: { kind: 'failback' } });
  });
});
