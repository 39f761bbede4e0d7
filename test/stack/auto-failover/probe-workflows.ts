// A caller of the remote probe as drWatch calls it (the contract in activities/auto-probes.ts): probePrimary on the
// probe worker's task queue with a schedule-to-start timeout, a timeout or failure read as `unknown`, never `down`.
import { proxyActivities } from '@temporalio/workflow';
import type { KdrActivities } from '../../../activities';
import type { ProbeReading } from '../../../src/auto-failover/decide';
import type { PairConfig } from '../../../src/config';

export async function probeRemotely(pair: PairConfig, taskQueue: string, waitMs: number): Promise<ProbeReading> {
  const { probePrimary } = proxyActivities<Pick<KdrActivities, 'probePrimary'>>({
    taskQueue,
    scheduleToStartTimeout: waitMs,
    startToCloseTimeout: '20s',
    retry: { maximumAttempts: 1 },
  });
  try {
    return await probePrimary(pair, { via: 'remote' });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    return { probe: 'remote', verdict: 'unknown', at: Date.now(), error: cause?.message ?? String(err) };
  }
}
