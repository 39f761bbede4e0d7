// `kdr evacuate <selection> --evaluate [--every 30m | --unschedule]`: would an evacuation of this selection succeed
// now? One evaluation (drEvaluateEvacuation) run now and its verdict printed, or a Temporal Schedule per selection
// that runs one every interval (overlap skip: an evaluation still running when the next is due is not doubled).
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import {
  EvaluationScheduleSchema,
  EvaluateEvacuationInputSchema,
  evaluationScheduleId,
  evaluationWorkflowId,
} from '../../../src/config/evacuation-evaluate';
import { describeSelection } from '../../../src/evacuation/select';
import type { EvaluationResult } from '../../../workflows/evaluate-evacuation';
import { CliError, ExitCode } from '../errors';
import { checkFlags, type FlagNames } from '../flags';
import { runCard } from '../run-card';
import { explain, type CliContext } from '../temporal';

const FLAGS: FlagNames = {
  every: '--every',
  'input.select': '--zone/--region/--label/--pairs',
  'input.requestedBy': '--requested-by',
  'input.parallel': '--parallel',
  select: '--zone/--region/--label/--pairs',
  requestedBy: '--requested-by',
  parallel: '--parallel',
};

/** An evaluation that hangs must not hold the schedule's slot: its drills time out at 30 minutes each. */
const EVALUATION_TIMEOUT = '2 hours' as const;

export interface EvaluationInput {
  select: Record<string, unknown>[];
  requestedBy: string;
  parallel?: number;
}

export interface ScheduledEvaluation {
  scheduleId: string;
  select: string;
  every: string;
  created: boolean;
  nextRuns: string[];
}

function checked(input: EvaluationInput) {
  return checkFlags(EvaluateEvacuationInputSchema, input, FLAGS, 'evacuate --evaluate');
}

/** Creates or updates the selection's evaluation schedule. */
export async function scheduleEvaluation(
  ctx: CliContext,
  raw: EvaluationInput,
  every: string,
): Promise<ScheduledEvaluation> {
  const everyMs = checkFlags(
    EvaluationScheduleSchema,
    { every, input: raw },
    FLAGS,
    'evacuate --evaluate --every',
  ).every;
  const input = checked(raw);
  const scheduleId = evaluationScheduleId(input.select);
  const select = describeSelection(input.select);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'drEvaluateEvacuation',
    args: [raw],
    taskQueue: ctx.taskQueue,
    workflowId: evaluationWorkflowId(input.select),
    workflowRunTimeout: EVALUATION_TIMEOUT,
    staticSummary: `Scheduled evaluation of the evacuation of ${select}`.slice(0, 200),
    staticDetails: runCard('drEvaluateEvacuation', raw as never, '').details,
  };
  const spec = { intervals: [{ every: everyMs }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  const note = (verb: string) =>
    `Evaluation of the evacuation of ${select}: every ${every}, ${verb} by ${input.requestedBy}`;
  let created = true;
  try {
    await ctx.client.schedule.create({ scheduleId, spec, action, policies, state: { note: note('scheduled') } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw explain(err, ctx);
    created = false;
    await ctx.client.schedule.getHandle(scheduleId).update((previous) => ({
      ...previous,
      spec,
      action,
      policies,
      state: { ...previous.state, note: note('rescheduled') },
    }));
  }
  const described = await ctx.client.schedule.getHandle(scheduleId).describe();
  return {
    scheduleId,
    select,
    every,
    created,
    nextRuns: described.info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
  };
}

export async function unscheduleEvaluation(ctx: CliContext, raw: EvaluationInput): Promise<{ scheduleId: string }> {
  const scheduleId = evaluationScheduleId(checked(raw).select);
  try {
    await ctx.client.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new CliError(`no evaluation schedule for this selection (${scheduleId})`, ExitCode.notFound);
    throw explain(err, ctx);
  }
  return { scheduleId };
}

/** Runs one evaluation now and waits for its verdict. */
export async function evaluateNow(ctx: CliContext, raw: EvaluationInput): Promise<EvaluationResult> {
  const input = checked(raw);
  const workflowId = `${evaluationWorkflowId(input.select)}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    const handle = await ctx.client.workflow.start('drEvaluateEvacuation', {
      taskQueue: ctx.taskQueue,
      workflowId,
      args: [raw],
      workflowRunTimeout: EVALUATION_TIMEOUT,
      staticSummary: `Evaluation of the evacuation of ${describeSelection(input.select)}`.slice(0, 200),
      staticDetails: runCard('drEvaluateEvacuation', raw as never, '').details,
    });
    return (await handle.result()) as EvaluationResult;
  } catch (err) {
    throw explain(err, ctx);
  }
}

export function verdictText(r: EvaluationResult): string {
  const size = `${r.totals.pairs} pair(s), ${r.totals.groups} group(s), ${r.totals.partitions} partition(s), duplicates <= ${r.totals.duplicateBound}`;
  return [
    r.wouldSucceed
      ? `Evacuation of ${r.select} would succeed now: ${size}`
      : `Evacuation of ${r.select} would NOT succeed now: ${r.totals.failing}/${r.totals.pairs} pair(s) failing; ${size}`,
    ...r.problems.map((p) => `  evacuation: ${p}`),
    ...r.pairs.map(
      (p) =>
        `  ${p.ok ? 'ok     ' : 'FAILING'} ${p.pair} (tier ${p.tier})` +
        (p.plan ? `: ${p.plan.groups} group(s), duplicates <= ${p.plan.duplicateBound}` : '') +
        (p.why.length ? `: ${p.why.join('; ')}` : '') +
        (p.drill ? ` [drill ${p.drill}]` : ''),
    ),
    ...(r.notified ? [`notified: ${r.notified}`] : []),
  ].join('\n');
}
