// What the drEvacuate fast tests share: a private dev server per file, starting an evacuation on it, and the estate
// of four stubbed pairs in two zones.
import { after, before } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { drEvacuate } from '../../../workflows/dr-evacuate';
import type { drFailover } from '../../../workflows/dr-failover';
import { evacuationEnv, type EvacuationEnv } from './env';
import { stubPair } from '../runbooks/stubs/pair';
import { estate, type Estate } from './stubs';
import type { Stubs } from '../runbooks/stubs/activities';

let current: EvacuationEnv | undefined;

/** One private dev server and worker bundle per test file, started before its tests and torn down after them. */
export function useEvacuationEnv(): void {
  before(async () => {
    current = await evacuationEnv();
  });
  after(async () => {
    await current?.teardown();
  });
}

export const env = {
  get client() {
    return current!.client;
  },
  withWorker: ((...args) => current!.withWorker(...args)) as EvacuationEnv['withWorker'],
};

export type Input = Record<string, unknown>;

export async function evacuate<T>(
  e: Estate,
  stubs: Stubs,
  input: Input,
  fn: (h: WorkflowHandle<typeof drEvacuate>, taskQueue: string) => Promise<T>,
): Promise<T> {
  return env.withWorker(stubs, async (taskQueue) => {
    const h = await env.client.workflow.start<typeof drEvacuate>('drEvacuate', {
      taskQueue,
      workflowId: `dr-evacuate-${e.pairs[0].name}`,
      args: [{ requestedBy: 'alice', ...input }],
    });
    return fn(h, taskQueue);
  });
}

export const child = (pair: string) => env.client.workflow.getHandle<typeof drFailover>(`dr-failover-${pair}`);
export const changes = (e: Estate, pair: string) =>
  e.worlds
    .get(pair)!
    .calls.map((c) => c.name)
    .filter((n) => ['resetGroups', 'ensureCname', 'pauseReplication'].includes(n));
export const started = async (pair: string) =>
  child(pair)
    .describe()
    .then(
      () => true,
      () => false,
    );

export function zoneEstate() {
  const a = stubPair('eva');
  const b = stubPair('evb');
  const c = stubPair('evc');
  const other = stubPair('evo');
  return estate([
    { pair: a, zone: 'cn-hangzhou-k', region: 'cn-hangzhou', tier: 2 },
    { pair: b, zone: 'cn-hangzhou-k', region: 'cn-hangzhou', tier: 1 },
    { pair: c, zone: 'cn-hangzhou-k', region: 'cn-hangzhou', tier: 1, labels: ['payments'] },
    { pair: other, zone: 'cn-hangzhou-j', region: 'cn-hangzhou', tier: 1 },
  ]);
}
