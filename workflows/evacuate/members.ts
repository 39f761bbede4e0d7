// drEvacuate starts every member: the pair's own drFailover as a child under its usual id, planning at once.
import { ChildWorkflowCancellationType, ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { EvacuateInput } from '../../src/config/evacuation';
import type { ApprovalRequest } from '../../src/config/approval';
import type { PairFacts, PairRow } from '../../src/evacuation/types';
import { failoverWorkflowId } from '../contract';
import { describeFailure } from '../runner';
import type { drFailover } from '../dr-failover';
import type { Member } from './options';

/** A member that could not start is marked ended on its row; the others are returned. */
export async function startMembers(
  pairs: PairFacts[],
  input: EvacuateInput,
  memberRequest: ApprovalRequest,
  rows: PairRow[],
): Promise<Member[]> {
  const started = await Promise.all(
    pairs.map(async (p) => {
      try {
        const handle = await startChild<typeof drFailover>('drFailover', {
          workflowId: failoverWorkflowId(p.name),
          args: [
            {
              pair: p.name,
              requestedBy: input.requestedBy,
              dryRun: input.dryRun,
              evacuation: true,
              approval: memberRequest,
              ...(input.switchover ? { switchover: input.switchover } : {}),
            },
          ],
          // A half-done failover must never be undone by the evacuation ending: each member has its own resolve and abort.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          cancellationType: ChildWorkflowCancellationType.ABANDON,
        });
        return { pair: p.name, tier: p.tier, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
      } catch (err) {
        const row = rows.find((r) => r.pair === p.name)!;
        row.ended = { outcome: 'not-started', note: describeFailure(err), at: new Date().toISOString() };
        return undefined;
      }
    }),
  );
  return started.filter((m): m is Member => m !== undefined);
}
