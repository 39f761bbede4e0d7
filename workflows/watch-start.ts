// drSetup ends by starting the pair's drWatch as an abandoned child: deterministic, idempotent (one workflow id
// per pair; an existing watch is kept), and drSetup neither waits for it nor fails because of it. drFailover stops
// it once the CNAME has moved: a forward watch would otherwise report the old primary and, when it comes back,
// store its stale positions as if they were current.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ChildWorkflowCancellationType,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  startChild,
} from '@temporalio/workflow';
import { type PairConfig, type PairConfigInput } from '../src/config';
import { earlierWatchWorkflowId, stopWatchSignal, watchWorkflowId } from './contract';
import type { drWatch } from './dr-watch';

/**
 * Runs recorded before the one id scheme started and stopped `kdr-watch-<pair>`; they replay with it. Later runs
 * start `dr-watch-<pair>`, and stop that one or, when none runs, one an earlier version started.
 */
const ONE_ID_SCHEME_PATCH = 'dr-watch-id';

export async function startWatch(
  pair: PairConfig,
  inline?: PairConfigInput,
): Promise<{ workflowId: string; outcome: string }> {
  const workflowId = patched(ONE_ID_SCHEME_PATCH) ? watchWorkflowId(pair.name) : earlierWatchWorkflowId(pair.name);
  try {
    await startChild<typeof drWatch>('drWatch', {
      workflowId,
      args: [inline ? { config: inline } : { pair: pair.name }],
      // It outlives drSetup, and cancelling drSetup must not take the pair's watch with it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      cancellationType: ChildWorkflowCancellationType.ABANDON,
    });
    return { workflowId, outcome: 'started' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, outcome: 'already running' };
    return { workflowId, outcome: `not started (${(err as Error).message}); start it with kdr watch ${pair.name}` };
  }
}

/** Asks the pair's watch to stop (under either id); a pair without a running watch is not an error. */
export async function stopWatch(pair: PairConfig, by: string, reason: string): Promise<string> {
  const ids = patched(ONE_ID_SCHEME_PATCH)
    ? [watchWorkflowId(pair.name), earlierWatchWorkflowId(pair.name)]
    : [earlierWatchWorkflowId(pair.name)];
  const asked: string[] = [];
  for (const workflowId of ids) {
    try {
      await getExternalWorkflowHandle(workflowId).signal(stopWatchSignal, { by, reason });
      asked.push(`${workflowId} asked to stop`);
    } catch {
      // not running under this id
    }
  }
  return asked.length ? asked.join('; ') : `${ids[0]} not running`;
}
