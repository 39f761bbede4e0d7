// What each `kdr` command does, without the argument parsing: start a run, decide on it, read it. The demo
// (stack/demo.ts) calls these too, so the drill walks the same path an operator does.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  FailoverInputSchema,
  RejectPayloadSchema,
  ResolvePayloadSchema,
  SetupInputSchema,
  type FailoverInput,
} from '../../src/config';
import { VerifyInputSchema } from '../../src/config/verify-input';
import { checkFlags, DECISION_FLAGS, FAILOVER_FLAGS, SETUP_FLAGS } from './flags';
import { signWithKey } from './signing';
import {
  approveSignal,
  planQuery,
  rejectSignal,
  resolveUpdate,
  statusQuery,
  type ApprovePayload,
  type RejectPayload,
  type ResolvePayload,
} from '../../workflows/definitions';
import {
  planPage,
  type AuditEntry,
  type PlanPageRequest,
  type PlanView,
  type RunStatus,
} from '../../workflows/runner/types';
import type { FailoverPlan, ShownPlan } from '../../src/plan/model';
import { runCard } from './run-card';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { dataConverter } from '../../src/data-converter';
import { CliError, ExitCode } from './errors';
import {
  explain,
  failoverWorkflowId,
  findRun,
  queryStatus,
  RUNBOOKS,
  setupWorkflowId,
  uiLink,
  verifyWorkflowId,
  type CliContext,
  type FoundRun,
} from './temporal';

export interface StartedRun {
  workflowId: string;
  runId: string;
  type: string;
  taskQueue: string;
  uiUrl?: string;
}

export type FailoverOptions = Omit<Partial<FailoverInput>, 'pair' | 'config'> & { requestedBy: string };

export async function startSetup(
  ctx: CliContext,
  pair: string,
  options: { requestedBy?: string } = {},
): Promise<StartedRun> {
  checkFlags(
    SetupInputSchema,
    { pair, ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}) },
    SETUP_FLAGS,
    'setup',
  );
  return start(
    ctx,
    RUNBOOKS.setup,
    setupWorkflowId(pair),
    { pair, ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}) },
    `Set up DR for pair ${pair}${options.requestedBy ? ` (requested by ${options.requestedBy})` : ''}`,
  );
}

export async function startFailover(ctx: CliContext, pair: string, options: FailoverOptions): Promise<StartedRun> {
  checkFlags(FailoverInputSchema, { pair, ...options }, FAILOVER_FLAGS, 'failover');
  const what = options.dryRun ? 'Failover dry run' : 'Failover';
  return start(
    ctx,
    RUNBOOKS.failover,
    failoverWorkflowId(pair),
    { pair, ...options },
    `${what} of pair ${pair} requested by ${options.requestedBy}`,
  );
}

/** drVerify: connector-verify alone (canary, lag, fidelity profile); changes nothing. */
export async function startVerify(
  ctx: CliContext,
  pair: string,
  options: { requestedBy?: string } = {},
): Promise<StartedRun> {
  checkFlags(
    VerifyInputSchema,
    { pair, ...(options.requestedBy !== undefined ? { requestedBy: options.requestedBy } : {}) },
    SETUP_FLAGS,
    'verify',
  );
  return start(
    ctx,
    RUNBOOKS.verify,
    verifyWorkflowId(pair),
    { pair, ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}) },
    `Verify replication of pair ${pair} (canary, lag, fidelity profile)`,
  );
}

/** Starts `type` under `workflowId`, refused (exit 6) while a run with that id is going. */
export async function start(
  ctx: CliContext,
  type: string,
  workflowId: string,
  input: object,
  summary: string,
): Promise<StartedRun> {
  const card = runCard(type, input, summary);
  try {
    const handle = await ctx.client.workflow.start(type, {
      taskQueue: ctx.taskQueue,
      workflowId,
      args: [input],
      // One run per pair and runbook at a time; a finished run's id may be reused.
      workflowIdConflictPolicy: 'FAIL',
      // The UI's run list and run page say what the run is: who asked, the mode, what it will change.
      staticSummary: card.summary,
      staticDetails: card.details,
    });
    return {
      workflowId,
      runId: handle.firstExecutionRunId,
      type,
      taskQueue: ctx.taskQueue,
      uiUrl: uiLink(ctx, workflowId, handle.firstExecutionRunId),
    };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await ctx.client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      throw new CliError(
        `refused: a ${type} run for this pair is already running: ${workflowId}` +
          `${running ? ` (run ${running.runId}, started ${running.startTime.toISOString()})` : ''}; see kdr status ${workflowId}`,
        ExitCode.refused,
      );
    }
    throw explain(err, ctx);
  }
}

/**
 * A closed run's plan, from its history: the last plan the plan activity returned (the one applied), with the
 * planId and CNAME change from the run's result. Queries need a live worker on the run's task queue; history
 * does not, so `kdr plan` works after the fact. `source` says where the answer came from.
 */
export async function planFromHistory(
  found: FoundRun,
  page?: PlanPageRequest,
): Promise<(PlanView<ShownPlan> & { source: string }) | null> {
  const history = await found.handle.fetchHistory();
  const planActivities = new Set<string>();
  // A stored plan (FailoverPlan.stored) came back as its first page; the run read the others, by index.
  const pageActivities = new Map<string, Payload[]>();
  let last: Payload[] | undefined;
  let pages = new Map<number, Payload[]>();
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'planOffsets') planActivities.add(String(e.eventId));
    if (scheduled?.activityType?.name === 'readPlanPage')
      pageActivities.set(String(e.eventId), (scheduled.input?.payloads ?? []) as Payload[]);
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed && planActivities.has(String(completed.scheduledEventId))) {
      last = (completed.result?.payloads ?? undefined) as Payload[] | undefined;
      pages = new Map();
    }
    const input = completed ? pageActivities.get(String(completed.scheduledEventId)) : undefined;
    if (completed && input && input[2]) {
      pages.set(
        defaultPayloadConverter.fromPayload<number>((await decodePayloads(input))[2]),
        (completed.result?.payloads ?? []) as Payload[],
      );
    }
  }
  if (!last?.length) return null;
  const plan = defaultPayloadConverter.fromPayload<FailoverPlan>((await decodePayloads(last))[0]);
  if (plan.stored) {
    const groups = [...plan.groups];
    for (let i = 1; i < plan.stored.pages.length; i++) {
      const got = pages.get(i);
      if (!got)
        throw new CliError(
          `the history of run ${found.description.runId} lacks page ${i} of stored plan ${plan.stored.sha256}`,
          ExitCode.failed,
        );
      groups.push(...defaultPayloadConverter.fromPayload<FailoverPlan['groups']>((await decodePayloads(got))[0]));
    }
    plan.groups = groups;
  }
  let result: { planId?: string; cname?: { domain: string; before: string | null; after: string } } = {};
  try {
    result = (await found.handle.result()) as typeof result;
  } catch {
    /* a failed run: the plan as planned */
  }
  const planId = result.planId ?? plan.planId;
  const cname = {
    domain: result.cname?.domain ?? '?',
    from: result.cname?.before ?? '?',
    to: result.cname?.after ?? '?',
  };
  const shown = { ...plan, planId, offsetsId: plan.planId, cname } as ShownPlan;
  return {
    ...planPage(planId, shown, page),
    source: `history of closed run ${found.description.runId} (the last plan computed; no worker needed)`,
  };
}

async function decodePayloads(payloads: Payload[]): Promise<Payload[]> {
  return (dataConverter.payloadCodecs ?? []).reduceRight(
    async (p, codec) => codec.decode(await p),
    Promise.resolve(payloads),
  );
}

/**
 * The current plan of a run, or a refusal saying why there is none yet. With `page`, those groups only;
 * without, every group: a plan the run answers a page at a time is read page by page.
 */
export async function readPlan(ctx: CliContext, found: FoundRun, page?: PlanPageRequest): Promise<PlanView<ShownPlan>> {
  if (found.description.status.name !== 'RUNNING') {
    const fromHistory = await planFromHistory(found, page).catch((err) => {
      if (err instanceof CliError) throw err;
      return null;
    });
    if (fromHistory) return fromHistory;
  }
  const ask = (p?: PlanPageRequest) =>
    ctx.client.withDeadline(Date.now() + 15_000, () =>
      p ? found.handle.query(planQuery, p) : found.handle.query(planQuery),
    );
  let plan: PlanView<ShownPlan> | null;
  try {
    plan = await ask(page);
    if (plan?.page && !page) {
      const groups = [...plan.plan.groups];
      for (
        let offset = plan.page.offset + groups.length;
        offset < plan.page.total;
        offset = plan.page.offset + groups.length
      ) {
        const next = await ask({ offset, limit: plan.page.limit });
        if (!next || next.planId !== plan.planId)
          throw new CliError(
            `the plan of ${found.description.workflowId} changed while it was read; run kdr plan again`,
            ExitCode.failed,
          );
        if (next.plan.groups.length === 0) break;
        groups.push(...next.plan.groups);
      }
      plan = { planId: plan.planId, plan: { ...plan.plan, groups } };
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw explain(err, ctx);
  }
  if (!plan) {
    const phase =
      found.description.status.name === 'RUNNING'
        ? (await queryStatus(ctx, found.handle, found.description.taskQueue)).phase
        : found.description.status.name.toLowerCase();
    throw new CliError(
      `run ${found.description.workflowId} (${found.description.type}) has no plan${phase ? ` (phase ${phase})` : ''}`,
      ExitCode.refused,
    );
  }
  return plan;
}

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
