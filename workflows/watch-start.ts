// drSetup ends by starting the pair's drWatch as an abandoned child: deterministic, idempotent (one workflow id
// per pair; an existing watch is kept), and drSetup neither waits for it nor fails because of it.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ChildWorkflowCancellationType, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { watchWorkflowId, type PairConfig, type PairConfigInput } from '../src/config';
import type { drWatch } from './dr-watch';

export async function startWatch(pair: PairConfig, inline?: PairConfigInput): Promise<{ workflowId: string; outcome: string }> {
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
