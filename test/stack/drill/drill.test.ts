// Scheduled drills on the dev server: kdr drill schedule creates a Temporal Schedule (overlap skip) running drDrill
// on the real workflow bundle; a trigger while a drill runs is skipped; kdr drills lists each drill with its plan
// bound and RPO estimate; a drill that finds the pair unhealthy notifies. Activities are stand-ins (the checks
// themselves are tested by drVerify's and drFailover's tests): each test controls what they find.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PairConfigSchema, validate, type PairConfig } from '../../../src/config';
import { local } from '../../../stack/local-stack';
import { drillScheduleId } from '../../../workflows/contract';
import {
  drillSchedule,
  listDrills,
  renderDrills,
  renderSchedule,
  runDrillNow,
  scheduleDrill,
  unscheduleDrill,
} from '../../../app/cli/commands/drill';
import type { CliContext } from '../../../app/cli/temporal';
import type { RunEvent } from '../../../src/notify/events';
import {
  closeTemporal,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';

const workflowsPath = require.resolve('../../../workflows');

function fakeActivities(pair: PairConfig, o: { received: number; canaryMs?: number }, events: RunEvent[]) {
  return {
    async resolvePair(name: string) {
      if (name !== pair.name) throw new Error(`unknown pair ${name}`);
      return pair;
    },
    async listReplicatedTopics() {
      return ['orders'];
    },
    async runCanary() {
      await new Promise((r) => setTimeout(r, o.canaryMs ?? 0));
      return {
        produced: 10,
        received: o.received,
        latencyMs: { p50: 20, max: 40 },
        fidelitySummary: 'partition, order, timestamp, key/value, headers kept',
      };
    },
    async replicationLag() {
      return { totalLag: 3, caughtUp: true, worst: [] };
    },
    async assess() {
      return {
        primaryReachable: true,
        secondary: { brokers: 1 },
        topics: ['orders'],
        partitions: 2,
        connector: { state: 'RUNNING' },
        newestReplicatedAt: Date.now() - 1_000,
        latency: { ms: 40, source: 'canary' },
      };
    },
    async planOffsets() {
      return {
        planId: 'offsets-1',
        pair: pair.name,
        marginMs: 1_000,
        latencyMs: 40,
        primaryReachable: true,
        groups: [],
        totals: {
          groups: 4,
          partitions: 8,
          duplicateBound: 12,
          untranslated: 0,
          liveGroups: 0,
          sources: { matched: 8 },
        },
      };
    },
    async reportRunEvent(event: RunEvent) {
      events.push(event);
      return { sent: ['webhook (KDR_SECRET_ONCALL_URL)'], failed: [] };
    },
  };
}

describe('scheduled drills', () => {
  let ctx: CliContext;
  const schedules: string[] = [];
  before(async () => {
    const { client } = await temporal();
    await workflowBundle(workflowsPath);
    ctx = {
      client,
      taskQueue: '',
      target: { address: local.temporalAddress, namespace: local.namespace } as CliContext['target'],
      close: async () => {},
    };
  });
  after(async () => {
    for (const id of schedules)
      await ctx.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await closeTemporal();
  });

  function pairNamed(name: string): PairConfig {
    const r = validate(PairConfigSchema, {
      name,
      primary: { provider: 'kafka', bootstrapServers: ['127.0.0.1:19092'], endpointHost: 'primary.kdr.test' },
      secondary: { provider: 'kafka', bootstrapServers: ['127.0.0.1:29092'], endpointHost: 'secondary.kdr.test' },
      replication: {
        provider: 'kafka-connect',
        topics: ['orders'],
        canaryTopic: 'kdr-canary',
        connectUrl: 'http://127.0.0.1:8083',
      },
      dns: { provider: 'alidns', domain: 'kdr.test', rr: name, ttl: 60, resolvers: ['127.0.0.1:5353'] },
    });
    assert.ok(r.ok);
    return r.value;
  }

  test('schedule (overlap skip), run now twice while one runs (one drill), list with bound and RPO; rescheduling updates it', async () => {
    const pair = pairNamed(uniqueName('drill'));
    const events: RunEvent[] = [];
    const taskQueue = uniqueName('drill-tq');
    await withWorker(
      { workflowsPath, activities: fakeActivities(pair, { received: 10, canaryMs: 1_500 }, events), taskQueue },
      async () => {
        const scheduled = await scheduleDrill({ ...ctx, taskQueue }, pair.name, '0 3 * * 1', 'alice');
        schedules.push(scheduled.scheduleId);
        assert.equal(scheduled.created, true);
        assert.equal(scheduled.scheduleId, drillScheduleId(pair.name));
        assert.match(scheduled.nextRuns[0] ?? '', /T03:00:00\.000Z$/);
        const described = await ctx.client.schedule.getHandle(scheduled.scheduleId).describe();
        assert.equal(described.policies.overlap, 'SKIP');
        assert.equal(described.action.type, 'startWorkflow');

        await runDrillNow(ctx, pair.name);
        await eventually(
          () => listDrills(ctx, pair.name),
          (rows) => rows.length === 1,
          'the first drill to start',
        );
        await runDrillNow(ctx, pair.name);
        const rows = await eventually(
          () => listDrills(ctx, pair.name),
          (r) => r.length === 1 && r[0].status === 'COMPLETED',
          'the drill to finish',
        );
        assert.equal(rows.length, 1, 'the second trigger was skipped (a drill was running)');
        assert.deepEqual(
          rows[0].result?.plan && { groups: rows[0].result.plan.groups, bound: rows[0].result.plan.duplicateBound },
          { groups: 4, bound: 12 },
        );
        assert.deepEqual(
          { ...rows[0].result?.rpo, newestReplicatedAt: null },
          { replicationLatencyMs: 40, latencySource: 'canary', lagRecords: 3, newestReplicatedAt: null },
        );
        assert.equal(rows[0].result?.healthy, true);
        assert.equal(events.length, 0, 'a passing drill pages nobody');
        assert.match(
          renderDrills(pair.name, rows),
          /passed +plan 4 groups, bound <= 12, 0 untranslated; RPO ~ 40 ms latency, 3 records lag/,
        );

        const again = await scheduleDrill({ ...ctx, taskQueue }, pair.name, '30 2 * * *', 'bob');
        assert.equal(again.created, false);
        assert.match(again.nextRuns[0] ?? '', /T02:30:00\.000Z$/);
        const shown = await drillSchedule(ctx, pair.name);
        assert.equal(shown?.paused, false);
        assert.match(
          renderSchedule(pair.name, shown),
          new RegExp(
            `^Schedule kdr-drill-${pair.name}: DR drill of ${pair.name}: "30 2 \\* \\* \\*" \\(UTC\\), rescheduled by bob; next: \\S+T02:30:00\\.000Z`,
          ),
        );
        await unscheduleDrill(ctx, pair.name);
        schedules.pop();
        await assert.rejects(runDrillNow(ctx, pair.name), /no drill schedule for pair/);
        assert.equal(
          renderSchedule(pair.name, await drillSchedule(ctx, pair.name)),
          `No drill schedule for pair ${pair.name}.`,
        );
      },
    );
  });

  test('a drill that finds canary records missing ends failed, notifies, and says so in kdr drills', async () => {
    const pair = pairNamed(uniqueName('drill-bad'));
    const events: RunEvent[] = [];
    const taskQueue = uniqueName('drill-tq');
    await withWorker(
      { workflowsPath, activities: fakeActivities(pair, { received: 6 }, events), taskQueue },
      async () => {
        schedules.push((await scheduleDrill({ ...ctx, taskQueue }, pair.name, '0 3 * * *', 'alice')).scheduleId);
        await runDrillNow(ctx, pair.name);
        const rows = await eventually(
          () => listDrills(ctx, pair.name),
          (r) => r[0]?.status === 'COMPLETED',
          'the drill to finish',
        );
        const result = rows[0].result!;
        assert.equal(result.healthy, false);
        assert.match(result.findings[0], /^connector-verify: 4\/10 canary records did not reach the secondary/);
        assert.equal(result.notified, 'sent to webhook (KDR_SECRET_ONCALL_URL)');
        assert.equal(events.length, 1);
        assert.equal(events[0].kind, 'drill-failed');
        assert.match(renderDrills(pair.name, rows), /FAILED +plan 4 groups/);
      },
    );
  });
});
