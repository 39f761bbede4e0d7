// Reading a run's plan from the CLI: a live run answers its plan query (page by page); a closed run's plan comes
// from its history, with no worker needed.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { planQuery } from '../../workflows/definitions';
import { planPage, type PlanPageRequest, type PlanView } from '../../workflows/runner/types';
import type { FailoverPlan, ShownPlan } from '../../src/plan/model';
import { dataConverter } from '../../src/data-converter';
import { CliError, ExitCode } from './errors';
import { explain, queryStatus, type CliContext, type FoundRun } from './temporal';

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
