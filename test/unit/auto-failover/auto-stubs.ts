// Shared by the automatic failover unit tests: a pair with the policy, watch checks that find the primary up or
// down, and handles on the pair's watch and the failover it starts. The real workflows run on a private dev server;
// every activity is a stub (../runbooks/stubs), the automatic failover policy check among them is the real one.
import type { WorkflowHandle } from '@temporalio/client';
import type { drWatch } from '../../../workflows/dr-watch';
import type { WatchStatus } from '../../../workflows/watch-view';
import { failoverWorkflowId, watchQuery, watchWorkflowId, type RunStatus } from '../../../workflows/contract';
import type { PairConfig, PairConfigInput } from '../../../src/config';
import type { KdrActivities } from '../../../activities';
import type { RunbookEnv } from '../runbooks/stubs/env';
import { stubPair } from '../runbooks/stubs/pair';
import { status, until } from '../runbooks/stubs/run';

export type Tick = Awaited<ReturnType<KdrActivities['watchTick']>>;

export const tick = (primaryReachable: boolean, lag = 7): Tick => ({
  at: Date.now(),
  health: primaryReachable ? 'healthy' : 'broken',
  reasons: primaryReachable ? [] : ['primary 127.0.0.1:9 does not answer: connect ECONNREFUSED'],
  primaryReachable,
  connector: { state: 'running' },
  lag: primaryReachable ? { total: lag, caughtUp: lag === 0 } : null,
  newestReplicatedAt: 1_700_000_000_000,
  rpoMs: 400,
  exact: true,
  elapsedMs: 3,
});

export const POLICY = { enabled: true, after: '10s', vetoWindow: '10s', maxAtRisk: { seconds: 600, records: 100 } };

export function autoPair(prefix: string, overrides: Partial<PairConfigInput> = {}): PairConfig {
  return stubPair(prefix, {
    watch: { interval: '1s' },
    autoFailover: POLICY,
    approval: { allowList: ['alice', 'bob'] },
    ...overrides,
  });
}

/** The assessment of an outage: the primary does not answer. */
export async function outage(): ReturnType<KdrActivities['assess']> {
  return {
    primaryReachable: false,
    secondary: { brokers: 1 },
    topics: ['orders'],
    partitions: 2,
    connector: { state: 'running' },
    newestReplicatedAt: 1_700_000_000_000,
    latency: { ms: 200, source: 'threshold' },
  };
}

export function startWatch(env: RunbookEnv, taskQueue: string, pair: PairConfig, continueAsNewEvery?: number) {
  return env.client.workflow.start<typeof drWatch>('drWatch', {
    taskQueue,
    workflowId: watchWorkflowId(pair.name),
    args: [{ pair: pair.name, ...(continueAsNewEvery ? { continueAsNewEvery } : {}) }],
  });
}

/**
 * The watch's status. Right after it continues as new, the new run answers "not resolved its pair yet" until its
 * first workflow task has read the pair: asked again then, as an operator would.
 */
export async function watchOf(h: WorkflowHandle): Promise<WatchStatus> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await h.query(watchQuery);
    } catch (err) {
      if (attempt >= 100 || !/not resolved its pair yet/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The failover the watch started, once it waits in its approval step (the veto window or a person's approval). */
export async function failoverWaiting(env: RunbookEnv, pair: PairConfig, boundMs = 45_000) {
  const h = env.client.workflow.getHandle(failoverWorkflowId(pair.name));
  const s: RunStatus = await until(
    () => status(h),
    (x) => x.phase === 'awaiting-approval',
    'the failover to wait in its approval step',
    boundMs,
  );
  return { h, s };
}
