// `kdr evacuate`: fail over every pair whose primary lives in a failed zone or region (or a label, or a list) in one
// run, drEvacuate, with one plan and one approval; `kdr evacuate --status` prints the table of every pair and the
// RTO so far. Each pair's own run (dr-failover-<pair>) answers kdr status, plan, resolve as usual.
import type { Command } from 'commander';
import { EvacuateInputSchema, EVACUATE_WORKFLOW_ID } from '../../../src/config/evacuation';
import { tableText } from '../../../src/evacuation/plan';
import type { EvacuationView, PairRow } from '../../../src/evacuation/types';
import { start, type StartedRun } from '../actions';
import { CliError, ExitCode } from '../errors';
import { checkFlags, type FlagNames } from '../flags';
import { explain, type CliContext } from '../temporal';
import { evaluateNow, scheduleEvaluation, unscheduleEvaluation, verdictText } from './evacuate-evaluate';

const EVACUATE_FLAGS: FlagNames = {
  select: '--zone/--region/--label/--pairs',
  requestedBy: '--requested-by',
  parallel: '--parallel',
  'approval.required': '--approvals',
};

export interface EvacuateCommandDeps {
  print(cmd: Command, json: unknown, human: () => string): void;
  withTemporal<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T>;
  operator(): string;
}

interface EvacuateOptions {
  zone: string[];
  region: string[];
  label: string[];
  pairs?: string;
  requestedBy?: string;
  parallel?: string;
  approvals?: string;
  dryRun?: boolean;
  status?: boolean;
  evaluate?: boolean;
  every?: string;
  unschedule?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The drEvacuate input the flags describe: one selection set per flag given. */
export function evacuateInput(opts: EvacuateOptions, operator: string): Record<string, unknown> {
  const select = [
    ...opts.zone.map((zone) => ({ zone })),
    ...opts.region.map((region) => ({ region })),
    ...opts.label.map((label) => ({ label })),
    ...(opts.pairs !== undefined
      ? [
          {
            pairs: opts.pairs
              .split(',')
              .map((p) => p.trim())
              .filter(Boolean),
          },
        ]
      : []),
  ];
  return {
    select,
    requestedBy: opts.requestedBy ?? operator,
    ...(opts.dryRun ? { dryRun: true } : {}),
    ...(opts.parallel !== undefined ? { parallel: Number(opts.parallel) } : {}),
    ...(opts.approvals !== undefined ? { approval: { required: Number(opts.approvals) } } : {}),
  };
}

/** The table of `kdr evacuate --status`: the evacuation's own query while it runs, its result once it ended. */
export async function evacuationStatus(ctx: CliContext): Promise<EvacuationView> {
  const handle = ctx.client.workflow.getHandle(EVACUATE_WORKFLOW_ID);
  try {
    return await ctx.client.withDeadline(Date.now() + 15_000, () => handle.query<EvacuationView>('evacuation'));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/not found/i.test(message))
      throw new CliError(
        `no evacuation: ${EVACUATE_WORKFLOW_ID} has never run (kdr evacuate --zone <zone>)`,
        ExitCode.notFound,
      );
    throw explain(err, ctx);
  }
}

export function statusText(v: EvacuationView): string {
  const rto = `${Math.round(v.rto.sinceMs / 1000)} s${v.rto.allSwitched ? '' : ' so far'}`;
  const blocked = v.rows.filter((r: PairRow) => r.blocked);
  return [
    `Evacuation ${v.workflowId} (${v.select})${v.dryRun ? ' DRY RUN' : ''}: ${v.phase}; requested by ${v.requestedBy}` +
      (v.approvedBy.length
        ? `; plan ${v.planId} approved by ${v.approvedBy.join(', ')}`
        : v.planId
          ? `; plan ${v.planId}`
          : ''),
    `RTO ${rto}: ${v.rto.switched}/${v.rto.of} CNAME(s) switched; ${v.parallel} pair(s) at once per tier`,
    '',
    ...tableText(v.rows),
    ...(blocked.length
      ? [
          '',
          ...blocked.map((r) => `BLOCKED ${r.pair}: fix the cause, then kdr resolve ${r.workflowId} retry --by <you>`),
        ]
      : []),
    ...v.rows
      .filter((r) => r.asks && !r.ended)
      .map(
        (r) =>
          `APPROVAL ${r.pair}: its ${r.asks!.step} plan is worse than the one approved; kdr plan ${r.workflowId}; ` +
          `kdr approve ${r.workflowId} --by <${r.asks!.allowList ? `one of ${r.asks!.allowList.join(', ')}` : 'you'}> ` +
          `--plan-id ${r.asks!.planId}`,
      ),
    ...(v.phase === 'awaiting-approval' && v.planId
      ? [
          '',
          `approve: kdr plan ${v.workflowId}; kdr approve ${v.workflowId} --by <you, not ${v.requestedBy}> --plan-id ${v.planId}`,
        ]
      : []),
  ].join('\n');
}

export function registerEvacuate(program: Command, deps: EvacuateCommandDeps): void {
  program
    .command('evacuate')
    .description(
      'fail over every pair whose primary is in a zone or region (or has a label, or is listed) in one run, drEvacuate: ' +
        'each pair plans in its own drFailover (dr-failover-<pair>), ONE approval of the evacuation plan releases them ' +
        'all, tier by tier (the pairs file\'s "tier", 1 first), --parallel at once; a blocked pair holds no other',
    )
    .option(
      '--zone <zone>',
      "pairs whose primary is in this zone (pairs file, or the ApsaraMQ instance's ZoneId); repeatable",
      collect,
      [],
    )
    .option('--region <region>', 'pairs whose primary is in this region; repeatable', collect, [])
    .option('--label <label>', 'pairs with this label in the pairs file; repeatable', collect, [])
    .option('--pairs <list>', 'comma-separated pair names')
    .option('--requested-by <name>', 'who asks; may not approve the evacuation (default $KDR_OPERATOR or $USER)')
    .option('--parallel <n>', 'pairs failing over at once within a tier (default 4)')
    .option('--approvals <n>', 'approvals required (only tightens the evacuation policy)')
    .option('--dry-run', 'plan the whole evacuation and change nothing (a practice run)')
    .option('--status', 'print the table of every pair (phase, step, lag, lost/dup bound) and the RTO so far')
    .option('--evaluate', 'would the evacuation succeed now? one drill per pair, nothing changed; prints the verdict')
    .option('--every <interval>', 'with --evaluate: a Temporal Schedule evaluating every interval (e.g. 30m)')
    .option('--unschedule', "with --evaluate: delete the selection's evaluation schedule")
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ kdr evacuate --zone cn-hangzhou-k --dry-run       # practice: every pair plans, nothing changes\n' +
        '  $ kdr evacuate --zone cn-hangzhou-k --requested-by alice\n' +
        '  $ kdr evacuate --status                             # the table and the RTO so far\n' +
        '  $ kdr evacuate --zone cn-hangzhou-k --evaluate --every 30m   # pages when it would not succeed\n' +
        '  $ kdr approve dr-evacuate --by bob --plan-id <evacuation planId>   # one approval for every pair\n' +
        '  $ kdr resolve dr-failover-<pair> retry --by bob     # a blocked pair, on its own run\n',
    )
    .action(async (opts: EvacuateOptions, cmd: Command) => {
      if (opts.status) {
        await deps.withTemporal(cmd, async (ctx) => {
          const view = await evacuationStatus(ctx);
          deps.print(cmd, view, () => statusText(view));
        });
        return;
      }
      const input = evacuateInput(opts, deps.operator());
      if ((input.select as unknown[]).length === 0) {
        throw new CliError('evacuate what? give --zone, --region, --label or --pairs (or --status)', ExitCode.usage);
      }
      if (opts.evaluate || opts.every !== undefined || opts.unschedule) {
        await evaluation(cmd, deps, opts, input);
        return;
      }
      checkFlags(EvacuateInputSchema, input, EVACUATE_FLAGS, 'evacuate');
      await deps.withTemporal(cmd, async (ctx) => {
        const run: StartedRun = await start(
          ctx,
          'drEvacuate',
          EVACUATE_WORKFLOW_ID,
          input,
          `Evacuation${opts.dryRun ? ' (dry run)' : ''} requested by ${String(input.requestedBy)}`,
        );
        deps.print(cmd, run, () =>
          [
            `Started drEvacuate ${EVACUATE_WORKFLOW_ID} (run ${run.runId}) on task queue ${run.taskQueue}`,
            ...(run.uiUrl ? [`Temporal UI: ${run.uiUrl} (the evacuation plan and the table of every pair)`] : []),
            '  → follow it: kdr evacuate --status',
            ...(opts.dryRun
              ? []
              : [
                  `  → approve: kdr approve ${EVACUATE_WORKFLOW_ID} --by <approver, not ${String(input.requestedBy)}> --plan-id <planId shown by kdr evacuate --status>`,
                ]),
          ].join('\n'),
        );
      });
    });
}

/** `--evaluate` [`--every <interval>` | `--unschedule`]: the periodic evaluation (workflows/evaluate-evacuation.ts). */
async function evaluation(
  cmd: Command,
  deps: EvacuateCommandDeps,
  opts: EvacuateOptions,
  input: Record<string, unknown>,
): Promise<void> {
  if (!opts.evaluate) throw new CliError('--every and --unschedule go with --evaluate', ExitCode.usage);
  if (opts.dryRun || opts.approvals !== undefined)
    throw new CliError(
      '--evaluate changes nothing and asks no approval: drop --dry-run and --approvals',
      ExitCode.usage,
    );
  if (opts.every !== undefined && opts.unschedule)
    throw new CliError('give --every <interval> or --unschedule, not both', ExitCode.usage);
  const raw = {
    select: input.select as Record<string, unknown>[],
    requestedBy: String(input.requestedBy),
    ...(input.parallel !== undefined ? { parallel: input.parallel as number } : {}),
  };
  await deps.withTemporal(cmd, async (ctx) => {
    if (opts.unschedule) {
      const s = await unscheduleEvaluation(ctx, raw);
      deps.print(cmd, s, () => `Deleted ${s.scheduleId}; past evaluations stay in the Temporal UI`);
    } else if (opts.every !== undefined) {
      const s = await scheduleEvaluation(ctx, raw, opts.every);
      deps.print(cmd, s, () =>
        [
          `${s.created ? 'Scheduled' : 'Rescheduled'} evaluations of the evacuation of ${s.select} (${s.scheduleId}, ` +
            `overlap: skip): every ${s.every}`,
          `  next: ${s.nextRuns.join(', ') || 'none'}`,
          "  → the evacuation targets are paged when it would not succeed; each pair's drill: kdr drills <pair>",
        ].join('\n'),
      );
    } else {
      const r = await evaluateNow(ctx, raw);
      deps.print(cmd, r, () => verdictText(r));
    }
  });
}
