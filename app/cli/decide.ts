// The operator's decisions on a run from the CLI: approve and reject (signals, whose verdict is read back from the
// audit trail) and resolve (an update, answered at once).
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { RejectPayloadSchema, ResolvePayloadSchema } from '../../src/config';
import { checkFlags, DECISION_FLAGS } from './flags';
import { signWithKey } from './signing';
import {
  approveSignal,
  rejectSignal,
  resolveUpdate,
  statusQuery,
  type ApprovePayload,
  type RejectPayload,
  type ResolvePayload,
} from '../../workflows/definitions';
import type { AuditEntry, RunStatus } from '../../workflows/runner/types';
import { CliError, ExitCode } from './errors';
import { explain, findRun, queryStatus, type CliContext, type FoundRun } from './temporal';
import { readPlan } from './read-plan';

export interface Decision {
  workflowId: string;
  runId: string;
  action: string;
  by: string;
  accepted: boolean | undefined;
  planId?: string;
  reason?: string;
}

function requireRunning(found: FoundRun, what: string): void {
  if (found.description.status.name !== 'RUNNING') {
    throw new CliError(
      `refused: run ${found.description.workflowId} is ${found.description.status.name.toLowerCase()}; nothing to ${what}`,
      ExitCode.refused,
    );
  }
}

/**
 * Sends `approve` with the current planId (or the one given) and reads the audit trail back: a signal has no
 * reply, so this is how the CLI learns whether the run accepted it (self-approval, stale plan...).
 */
export async function approve(
  ctx: CliContext,
  run: string,
  payload: Omit<ApprovePayload, 'planId'> & { planId?: string },
): Promise<Decision> {
  const found = await findRun(ctx, run, undefined);
  requireRunning(found, 'approve');
  const planId = payload.planId ?? (await readPlan(ctx, found)).planId;
  const full: ApprovePayload = {
    by: payload.by,
    planId,
    ...(payload.comment ? { comment: payload.comment } : {}),
    ...(payload.signature && payload.signedAt ? { signature: payload.signature, signedAt: payload.signedAt } : {}),
  };
  const verdict = await signalAndRead(ctx, found, 'approve', payload.by, (h) => h.signal(approveSignal, full));
  return {
    workflowId: found.description.workflowId,
    runId: found.description.runId,
    action: 'approve',
    by: payload.by,
    planId,
    ...verdict,
  };
}

export async function reject(
  ctx: CliContext,
  run: string,
  payload: RejectPayload,
  keyPath?: string,
): Promise<Decision> {
  checkFlags(RejectPayloadSchema, payload, DECISION_FLAGS, 'reject');
  const found = await findRun(ctx, run, undefined);
  requireRunning(found, 'reject');
  // A signed pair takes signed rejects only: over the plan under review, this run, purpose "reject".
  let proof = {};
  if (keyPath) {
    const s = await queryStatus(ctx, found.handle, found.description.taskQueue);
    proof = signWithKey(keyPath, {
      purpose: 'reject',
      subject: 'reject',
      pair: s.pair ?? '',
      workflowId: found.description.workflowId,
      runId: found.description.runId,
      planId: s.approval?.planId ?? '',
      by: payload.by,
    });
  }
  const verdict = await signalAndRead(ctx, found, 'reject', payload.by, (h) =>
    h.signal(rejectSignal, { ...payload, ...proof }),
  );
  return {
    workflowId: found.description.workflowId,
    runId: found.description.runId,
    action: 'reject',
    by: payload.by,
    ...verdict,
  };
}

async function signalAndRead(
  ctx: CliContext,
  found: FoundRun,
  action: string,
  by: string,
  send: (h: WorkflowHandle) => Promise<void>,
): Promise<{ accepted: boolean | undefined; reason?: string }> {
  const mine = (audit: AuditEntry[]) => audit.filter((a) => a.action === action && a.by === by);
  const before = await queryStatus(ctx, found.handle, found.description.taskQueue);
  const seen = mine(before.audit).length;
  try {
    await send(found.handle);
  } catch (err) {
    throw explain(err, ctx);
  }
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    let after: RunStatus;
    try {
      after = await ctx.client.withDeadline(Date.now() + 5_000, () => found.handle.query(statusQuery));
    } catch {
      // The run may have just finished (a reject ends it): its result holds the audit trail.
      const closed = await found.handle.result().then(
        (r) => r as { audit?: AuditEntry[] },
        (e) => reportOf(e),
      );
      const entry = closed?.audit ? mine(closed.audit)[seen] : undefined;
      if (entry) return { accepted: entry.accepted, reason: entry.reason };
      break;
    }
    const entry = mine(after.audit)[seen];
    if (entry) return { accepted: entry.accepted, reason: entry.reason };
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    accepted: undefined,
    reason: 'the run has not handled the signal yet (is a worker running?); it will when a worker picks it up',
  };
}

function reportOf(err: unknown): { audit?: AuditEntry[] } | undefined {
  const cause = (err as { cause?: unknown })?.cause;
  return cause instanceof ApplicationFailure ? (cause.details?.[0] as { audit?: AuditEntry[] } | undefined) : undefined;
}

/** `resolve` as an update: the run answers at once, and an invalid request comes back as a refusal. */
export async function resolve(
  ctx: CliContext,
  run: string,
  payload: ResolvePayload,
  keyPath?: string,
): Promise<Decision & { step?: string }> {
  checkFlags(ResolvePayloadSchema, payload, DECISION_FLAGS, 'resolve');
  const found = await findRun(ctx, run, undefined);
  requireRunning(found, 'resolve');
  if (keyPath) {
    // A signed pair takes signed resolves only: over "<step> <action>" of this run, so the step is named in the request.
    const s = await queryStatus(ctx, found.handle, found.description.taskQueue);
    const step = payload.step ?? s.steps.find((x) => x.state === 'blocked')?.name ?? '';
    payload = {
      ...payload,
      ...(step ? { step } : {}),
      ...signWithKey(keyPath, {
        purpose: 'resolve',
        subject: `${step} ${payload.action}`,
        pair: s.pair ?? '',
        workflowId: found.description.workflowId,
        runId: found.description.runId,
        planId: '',
        by: payload.by,
      }),
    };
  }
  try {
    const outcome = await ctx.client.withDeadline(Date.now() + 30_000, () =>
      found.handle.executeUpdate(resolveUpdate, { args: [payload] }),
    );
    return {
      workflowId: found.description.workflowId,
      runId: found.description.runId,
      action: `resolve:${outcome.action}`,
      by: payload.by,
      accepted: true,
      step: outcome.step,
    };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      throw new CliError(`refused: ${err.cause.message}`, ExitCode.refused);
    }
    throw explain(err, ctx);
  }
}
