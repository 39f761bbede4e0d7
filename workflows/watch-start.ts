// drSetup ends by starting the pair's drWatch as an abandoned child: deterministic, idempotent (one workflow id
// per pair; an existing watch is kept), and drSetup neither waits for it nor fails because of it. drFailover stops
// it once the CNAME has moved: a forward watch would otherwise report the old primary and, when it comes back,
// store its stale positions as if they were current.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ChildWorkflowCancellationType,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  startChild,
} from '@temporalio/workflow';
import { watchWorkflowId, type PairConfig, type PairConfigInput } from '../src/config';
import type { drWatch } from './dr-watch';
import { stopWatchSignal } from './definitions';

export async function startWatch(
  pair: PairConfig,
  inline?: PairConfigInput,
): Promise<{ workflowId: string; outcome: string }> {
  const workflowId = watchWorkflowId(pair.name);
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

/** Asks the pair's watch to stop; a pair without a running watch is not an error. */
export async function stopWatch(pair: PairConfig, by: string, reason: string): Promise<string> {
  const workflowId = watchWorkflowId(pair.name);
  try {
    await getExternalWorkflowHandle(workflowId).signal(stopWatchSignal, { by, reason });
    return `${workflowId} asked to stop`;
  } catch {
    return `${workflowId} not running`;
  }
}
