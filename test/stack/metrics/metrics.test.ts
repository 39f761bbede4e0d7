// The worker's Prometheus endpoint, scraped over HTTP: the Temporal runtime's metrics and kafka-dr's own (run
// outcomes, step durations, approval wait from real runs on the dev server; lag, ages and health from drWatch
// ticks; failover approval-to-done), every line valid text exposition format.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { runEventActivities, withTickMetrics } from '../../../activities/run-events';
import type { ActivityDeps } from '../../../activities';
import type { WatchTick } from '../../../activities/watch';
import type { PairConfig } from '../../../src/config';
import { observeRunEnd } from '../../../src/metrics/kdr';
import { startMetricsFromEnv, type MetricsServer } from '../../../app/metrics-server';
import { approveSignal, statusQuery } from '../../../workflows/definitions';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { notifyFixture } from '../notify/fixtures/workflows';
import {
  closeTemporal,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';

const workflowsPath = require.resolve('../notify/fixtures/workflows');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function scrape(url: string): Promise<{ type: string; text: string }> {
  const r = await fetch(url);
  assert.equal(r.status, 200);
  return { type: r.headers.get('content-type') ?? '', text: await r.text() };
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus endpoint', () => {
  let metrics: MetricsServer;
  before(async () => {
    // Installs the runtime's exporter before the test helpers connect (the runtime starts with the first connection).
    metrics = (await startMetricsFromEnv({
      KDR_METRICS_PORT: '0',
      KDR_METRICS_TEMPORAL_PORT: String(await freePort()),
    }))!;
    await temporal();
    await workflowBundle(workflowsPath);
  });
  after(async () => {
    await metrics?.close();
    await closeTemporal();
  });

  test("runs on the dev server show up as run outcomes, step durations and the approval wait, next to the Temporal runtime's metrics", async () => {
    const pair = uniqueName('metrics');
    const deps = { env: {}, pairs: () => new Map<string, PairConfig>() } as unknown as ActivityDeps;
    const activities = { ...createFixtureActivities(createControl()), ...runEventActivities(deps) };
    await withWorker({ workflowsPath, activities }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof notifyFixture>('notifyFixture', {
        taskQueue,
        workflowId: uniqueName('metrics-run'),
        args: [{ pair, requestedBy: 'alice' }],
      });
      const waiting = await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'awaiting-approval',
        'the approval wait',
      );
      await new Promise((r) => setTimeout(r, 300));
      await handle.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      await handle.result();
      await client.workflow.execute<typeof notifyFixture>('notifyFixture', {
        taskQueue,
        workflowId: uniqueName('metrics-dry'),
        args: [{ pair, requestedBy: 'alice', dryRun: true }],
      });
    });
    const { type, text } = await scrape(metrics.url);
    assert.equal(type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(value(text, 'kdr_runs_total{runbook="notifyFixture",outcome="completed"}'), 2);
    assert.equal(
      value(text, 'kdr_step_duration_seconds_count{runbook="notifyFixture",step="plan",state="succeeded"}'),
      2,
    );
    assert.equal(
      value(text, 'kdr_step_duration_seconds_count{runbook="notifyFixture",step="apply",state="succeeded"}'),
      1,
    );
    assert.equal(
      value(text, 'kdr_step_duration_seconds_count{runbook="notifyFixture",step="apply",state="skipped"}'),
      undefined,
      'a step that never ran has no duration',
    );
    const waited = value(text, 'kdr_approval_wait_seconds_sum{runbook="notifyFixture",state="succeeded"}');
    assert.ok(waited !== undefined && waited >= 0.3 && waited < 30, `approval wait ${waited}`);
    assert.equal(
      value(text, 'kdr_approval_wait_seconds_bucket{runbook="notifyFixture",state="succeeded",le="+Inf"}'),
      1,
    );
    assert.equal(value(text, 'kdr_temporal_metrics_up'), 1);
    assert.match(text, /^temporal_\w+(\{[^}]*\})? \S+$/m, "the Temporal runtime's own metrics");
    assert.match(text, /^temporal_workflow_completed\{[^}]*\} \d+/m);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      assert.match(
        line,
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+0-9.eEInfa]+( \d+)?$/,
        line,
      );
    }
  });

  test('drWatch ticks: lag, RPO, newest record and snapshot ages (growing between scrapes), health; failover approval to done', async () => {
    const now = Date.now();
    const tick = {
      at: now,
      health: 'degraded',
      reasons: ['lag'],
      primaryReachable: true,
      connector: { state: 'RUNNING' },
      lag: { total: 42, caughtUp: false },
      newestReplicatedAt: now - 5_000,
      rpoMs: 1_500,
      exact: true,
      elapsedMs: 10,
      snapshot: { takenAt: now - 2_000, groups: 1, positions: 2, written: 0, matched: 2, searches: 0, elapsedMs: 5 },
    } as WatchTick;
    const watched = withTickMetrics({ watchTick: async (_pair: PairConfig, _o: { canary: boolean }) => tick });
    await watched.watchTick({ name: 'orders-dr' } as PairConfig, { canary: false });
    await watched.watchTick({ name: 'orders-dr' } as PairConfig, { canary: false });
    observeRunEnd({
      kind: 'run-completed',
      runbook: 'drFailover',
      pair: 'orders-dr',
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:10:30.000Z',
      steps: [{ name: 'approval', state: 'succeeded', durationMs: 240_000, endedAt: '2026-01-01T00:05:00.000Z' }],
    });
    const first = (await scrape(metrics.url)).text;
    assert.equal(value(first, 'kdr_replication_lag_records{pair="orders-dr"}'), 42);
    assert.equal(value(first, 'kdr_replication_rpo_seconds{pair="orders-dr"}'), 1.5);
    assert.equal(value(first, 'kdr_watch_health{pair="orders-dr",health="degraded"}'), 1);
    assert.equal(value(first, 'kdr_failover_approval_to_done_seconds{pair="orders-dr"}'), 330);
    const age = value(first, 'kdr_replication_newest_record_age_seconds{pair="orders-dr"}')!;
    const snapshot = value(first, 'kdr_watch_snapshot_age_seconds{pair="orders-dr"}')!;
    assert.ok(age >= 5 && age < 60, `newest record age ${age}`);
    assert.ok(snapshot >= 2 && snapshot < 60, `snapshot age ${snapshot}`);
    await watched.watchTick({ name: 'orders-dr' } as PairConfig, { canary: false }).then(() => undefined);
    tick.health = 'healthy';
    await watched.watchTick({ name: 'orders-dr' } as PairConfig, { canary: false });
    await new Promise((r) => setTimeout(r, 1_100));
    const second = (await scrape(metrics.url)).text;
    assert.ok(
      value(second, 'kdr_replication_newest_record_age_seconds{pair="orders-dr"}')! >= age + 1,
      'ages grow without new ticks',
    );
    assert.equal(value(second, 'kdr_watch_health{pair="orders-dr",health="healthy"}'), 1);
    assert.equal(
      value(second, 'kdr_watch_health{pair="orders-dr",health="degraded"}'),
      undefined,
      'only the current health is 1',
    );
  });

  test('off unless KDR_METRICS_PORT is set; a bad port is refused naming the variable', async () => {
    assert.equal(await startMetricsFromEnv({}), undefined);
    await assert.rejects(
      startMetricsFromEnv({ KDR_METRICS_PORT: '9464x' }),
      /KDR_METRICS_PORT=9464x: expected a TCP port/,
    );
  });
});
