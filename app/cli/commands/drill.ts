// `kdr drill schedule|unschedule|run <pair>` and `kdr drills <pair>`: scheduled DR drills (workflows/dr-drill.ts)
// as a Temporal Schedule per pair. Overlap policy SKIP: a drill still running when the next is due is not doubled.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowExecutionStatusName,
} from '@temporalio/client';
import type { Command } from 'commander';
import { DrillScheduleSchema } from '../../../src/config/drill-input';
import { drillScheduleId, drillWorkflowId } from '../../../workflows/contract';
import { checkFlags } from '../flags';
import type { DrillResult } from '../../../workflows/dr-drill';
import { CliError, ExitCode } from '../errors';
import { explain, type CliContext } from '../temporal';
import { runCard } from '../run-card';

export interface DrillCommandDeps {
  print(cmd: Command, json: unknown, human: () => string): void;
  withTemporal<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T>;
  checkPair(cmd: Command, pair: string): void;
  operator(): string;
}

/** A drill that hangs (a cluster that never answers) must not hold the schedule's slot forever. */
const DRILL_TIMEOUT = '1 hour' as const;

export interface ScheduledDrill {
  scheduleId: string;
  pair: string;
  cron: string;
  created: boolean;
  nextRuns: string[];
}

export async function scheduleDrill(ctx: CliContext, pair: string, cron: string, by: string): Promise<ScheduledDrill> {
  checkFlags(DrillScheduleSchema, { pair, cron, by }, { pair: '<pair>', cron: '--cron', by: '--by' }, 'drill schedule');
  const scheduleId = drillScheduleId(pair);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'drDrill',
    args: [{ pair }],
    taskQueue: ctx.taskQueue,
    workflowId: drillWorkflowId(pair),
    workflowRunTimeout: DRILL_TIMEOUT,
    staticSummary: `Scheduled DR drill of pair ${pair} (a failover dry run)`,
    staticDetails: runCard('drDrill', { pair, requestedBy: by }, '').details,
  };
  const spec = { cronExpressions: [cron] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  let created = true;
  try {
    await ctx.client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      memo: { createdBy: by },
      state: { note: `DR drill of ${pair}: "${cron}" (UTC), scheduled by ${by}` },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw explain(err, ctx);
    created = false;
    await ctx.client.schedule.getHandle(scheduleId).update((previous) => ({
      ...previous,
      spec,
      action,
      policies,
      state: { ...previous.state, note: `DR drill of ${pair}: "${cron}" (UTC), rescheduled by ${by}` },
    }));
  }
  const described = await ctx.client.schedule.getHandle(scheduleId).describe();
  return {
    scheduleId,
    pair,
    cron,
    created,
    nextRuns: described.info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
  };
}

export async function unscheduleDrill(ctx: CliContext, pair: string): Promise<{ scheduleId: string }> {
  const scheduleId = drillScheduleId(pair);
  try {
    await ctx.client.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new CliError(`no drill schedule for pair ${pair} (${scheduleId})`, ExitCode.notFound);
    throw explain(err, ctx);
  }
  return { scheduleId };
}

export async function runDrillNow(ctx: CliContext, pair: string): Promise<{ scheduleId: string }> {
  const scheduleId = drillScheduleId(pair);
  try {
    await ctx.client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.SKIP);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new CliError(
        `no drill schedule for pair ${pair}: kdr drill schedule ${pair} --cron "<expr>" first`,
        ExitCode.notFound,
      );
    throw explain(err, ctx);
  }
  return { scheduleId };
}

export interface DrillRow {
  workflowId: string;
  runId: string;
  startedAt: string;
  status: WorkflowExecutionStatusName;
  result?: Pick<DrillResult, 'healthy' | 'findings' | 'plan' | 'rpo' | 'notified'>;
  error?: string;
}

/** The pair's drills, newest first, with each finished drill's findings, bound and RPO estimate. */
export async function listDrills(ctx: CliContext, pair: string, limit = 20): Promise<DrillRow[]> {
  const rows: DrillRow[] = [];
  const query = `WorkflowType = 'drDrill' AND DrPair = '${pair.replace(/'/g, '')}'`;
  try {
    for await (const w of ctx.client.workflow.list({ query })) {
      const row: DrillRow = {
        workflowId: w.workflowId,
        runId: w.runId,
        startedAt: w.startTime.toISOString(),
        status: w.status.name,
      };
      if (w.status.name === 'COMPLETED') {
        const r = await ctx.client.workflow.getHandle<() => Promise<DrillResult>>(w.workflowId, w.runId).result();
        row.result = { healthy: r.healthy, findings: r.findings, plan: r.plan, rpo: r.rpo, notified: r.notified };
      } else if (w.status.name !== 'RUNNING') {
        row.error = `drill ${w.status.name.toLowerCase().replace(/_/g, ' ')}`;
      }
      rows.push(row);
      if (rows.length >= limit) break;
    }
  } catch (err) {
    throw explain(err, ctx);
  }
  return rows.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export interface DrillSchedule {
  scheduleId: string;
  /** Says the cron expression and who set it (the server keeps the cron only as calendars). */
  note?: string;
  paused: boolean;
  nextRuns: string[];
}

/** The pair's drill schedule, or undefined when there is none. */
export async function drillSchedule(ctx: CliContext, pair: string): Promise<DrillSchedule | undefined> {
  const scheduleId = drillScheduleId(pair);
  try {
    const d = await ctx.client.schedule.getHandle(scheduleId).describe();
    return {
      scheduleId,
      ...(d.state.note ? { note: d.state.note } : {}),
      paused: d.state.paused,
      nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw explain(err, ctx);
  }
}

export function renderSchedule(pair: string, s: DrillSchedule | undefined): string {
  if (!s) return `No drill schedule for pair ${pair}.`;
  return `Schedule ${s.scheduleId}${s.paused ? ' (PAUSED)' : ''}: ${s.note ?? ''}; next: ${s.nextRuns.join(', ') || 'none'}`;
}

export function renderDrills(pair: string, rows: DrillRow[]): string {
  if (rows.length === 0)
    return `No drills of pair ${pair} yet: kdr drill schedule ${pair} --cron "0 3 * * 1" (then kdr drill run ${pair} to run one now)`;
  const lines = rows.map((r) => {
    const when = r.startedAt.slice(0, 19).replace('T', ' ');
    if (!r.result) return `${when}  ${r.status.padEnd(9)}  ${r.error ?? ''}`;
    const p = r.result.plan;
    const rpo = r.result.rpo;
    const verdict = r.result.healthy ? 'passed' : 'FAILED';
    return (
      `${when}  ${verdict.padEnd(9)}  ${p ? `plan ${p.groups} groups, bound <= ${p.duplicateBound}, ${p.untranslated} untranslated` : 'no plan'}; ` +
      `RPO ~ ${rpo.replicationLatencyMs ?? '?'} ms latency, ${rpo.lagRecords ?? '?'} records lag` +
      (r.result.findings.length ? `\n${' '.repeat(21)}${r.result.findings.join(`\n${' '.repeat(21)}`)}` : '')
    );
  });
  return [
    `Drills of pair ${pair} (newest first):`,
    `STARTED (UTC)        RESULT     PLAN / RPO / FINDINGS`,
    ...lines,
  ].join('\n');
}

export function registerDrill(program: Command, deps: DrillCommandDeps): void {
  const drill = program
    .command('drill')
    .description('scheduled DR drills: connector-verify and a dry-run failover plan, nothing changed')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kdr drill schedule local-kafka --cron "0 3 * * 1"\n  $ kdr drill run local-kafka\n  $ kdr drill unschedule local-kafka\n',
    );
  drill
    .command('schedule')
    .description("create or update the pair's drill schedule (a Temporal Schedule, overlap skip)")
    .argument('<pair>', 'a pair name from the pairs file')
    .requiredOption('--cron <expr>', 'when, as a cron expression in UTC, e.g. "0 3 * * 1" (Mondays 03:00)')
    .option('--by <name>', 'who schedules it (default $KDR_OPERATOR or your user name)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kdr drill schedule local-kafka --cron "0 3 * * 1"\n  $ kdr drill run local-kafka\n  $ kdr drills local-kafka\n',
    )
    .action(async (pair: string, opts: { cron: string; by?: string }, cmd: Command) => {
      deps.checkPair(cmd, pair);
      await deps.withTemporal(cmd, async (ctx) => {
        const s = await scheduleDrill(ctx, pair, opts.cron, opts.by ?? deps.operator());
        deps.print(cmd, s, () =>
          [
            `${s.created ? 'Scheduled' : 'Rescheduled'} drills of ${pair} (${s.scheduleId}, overlap: skip): "${s.cron}"`,
            `  next: ${s.nextRuns.join(', ') || 'none'}`,
            `  → run one now: kdr drill run ${pair}`,
            `  → results: kdr drills ${pair}`,
          ].join('\n'),
        );
      });
    });
  drill
    .command('run')
    .argument('<pair>', 'a pair name from the pairs file')
    .description("run the pair's scheduled drill now")
    .action(async (pair: string, _opts: unknown, cmd: Command) => {
      await deps.withTemporal(cmd, async (ctx) => {
        const s = await runDrillNow(ctx, pair);
        deps.print(cmd, s, () => `Triggered ${s.scheduleId}; results: kdr drills ${pair}`);
      });
    });
  drill
    .command('unschedule')
    .description("delete the pair's drill schedule (past drills stay listed)")
    .argument('<pair>', 'a pair name from the pairs file')
    .action(async (pair: string, _opts: unknown, cmd: Command) => {
      await deps.withTemporal(cmd, async (ctx) => {
        const s = await unscheduleDrill(ctx, pair);
        deps.print(cmd, s, () => `Deleted ${s.scheduleId}; past drills stay listed by kdr drills ${pair}`);
      });
    });
  program
    .command('drills')
    .argument('<pair>', 'a pair name')
    .description('past drills of a pair, newest first: result, plan bound, RPO estimate, findings')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 20)
    .addHelpText(
      'after',
      "\nExamples:\n  $ kdr drills local-kafka\n  $ kdr drills local-kafka --json | jq '.drills[0].result'\n",
    )
    .action(async (pair: string, opts: { limit: number }, cmd: Command) => {
      await deps.withTemporal(cmd, async (ctx) => {
        const [schedule, rows] = await Promise.all([drillSchedule(ctx, pair), listDrills(ctx, pair, opts.limit)]);
        deps.print(
          cmd,
          { pair, schedule: schedule ?? null, drills: rows },
          () => `${renderSchedule(pair, schedule)}\n${renderDrills(pair, rows)}`,
        );
      });
    });
}
