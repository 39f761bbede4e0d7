import { workflowInfo } from '@temporalio/workflow';
import type { PairConfig } from '../../src/config';
import { pollUntil, stepFailure, type StepContext } from '../runner';
import { verdictOfCanary } from '../shared';
import { acts } from '../acts';

/**
 * One direction of replication verified: a canary through it (which also measures what the direction keeps, and
 * so how a copy is recognised), then the newest records of the side it copies from found on the side it copies
 * to. `replicated` is the pair as seen in that direction; `opposite` the same pair the other way round (its
 * active side is the one being copied from).
 */
export async function verifyDirection(
  step: StepContext,
  replicated: PairConfig,
  opposite: PairConfig,
  topics: string[],
  label: 'forward' | 'reverse',
  what: string,
) {
  const act = acts(step);
  // The source side's newest records now, before the canary: caught up once each is found on the other side.
  const target = await act.activeEnds(opposite, topics);
  const canary = await act.runCanary(replicated, workflowInfo().runId);
  const verdict = verdictOfCanary(replicated, canary, { caughtUp: true, totalLag: 0, worst: [] });
  if (!verdict.ok) throw stepFailure('VerifyFailed', `${label}: ${verdict.summary}`);
  const copied = await pollUntil<Awaited<ReturnType<typeof act.reverseCaughtUp>>, string>(
    async () => {
      const c = await act.reverseCaughtUp(opposite, target, canary.fidelity);
      return c.missing.length === 0
        ? { done: c }
        : { observed: `${c.missing.length} partition(s) not copied yet: ${c.missing.slice(0, 5).join(', ')}` };
    },
    { what, every: '2s', within: opposite.replication.thresholds.canaryTimeoutMs * 10 },
  );
  return { verdict, canary, copied };
}
