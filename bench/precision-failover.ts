// The kafka-dr side of a scenario: a real drFailover run, approved by signal as a second person would.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { approveSignal, planQuery } from '../workflows/definitions';
import { runToEnd, status, uniqueName } from '../stack/harness/kdr';
import { sleep } from './precision-config';

/** The parts of the applied plan the benchmark reads (the plan's own type is being reworked, issue 9 item 5). */
export interface PlanSeen {
  planId: string;
  groups: { group: string; duplicateBound: number; offsets: [string, number, number, string][] }[];
}

/** Approves (as another person) every plan the run asks about, the final plan of a switchover included. */
function approveAll(handle: WorkflowHandle): { stop(): void } {
  const approved = new Set<string>();
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const s = await status(handle).catch(() => undefined);
      if (s?.approval && !approved.has(s.approval.planId)) {
        approved.add(s.approval.planId);
        await handle.signal(approveSignal, { by: 'bench-approver', planId: s.approval.planId }).catch(() => undefined);
      }
      if (s?.endedAt) return;
      await sleep(250);
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
  };
}

export async function runDrFailover(
  client: Client,
  taskQueue: string,
  input: Record<string, unknown>,
): Promise<{ plan: PlanSeen; workflowId: string; ms: number }> {
  const workflowId = uniqueName('precision-drFailover');
  const t0 = Date.now();
  const handle = await client.workflow.start('drFailover', { taskQueue, workflowId, args: [input] });
  const approvals = approveAll(handle);
  try {
    const result = (await runToEnd(handle, 300_000)) as { outcome?: string };
    if (result.outcome !== 'completed') throw new Error(`drFailover ${workflowId} ended ${result.outcome}`);
  } finally {
    approvals.stop();
  }
  const view = await handle.query(planQuery);
  if (!view) throw new Error(`drFailover ${workflowId}: no plan`);
  return { plan: view.plan as unknown as PlanSeen, workflowId, ms: Date.now() - t0 };
}
