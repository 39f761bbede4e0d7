// `kdr plan <run>`: the failover plan as a table, as JSON, or as the CSV Apache Kafka's kafka-consumer-groups.sh
// reads (with the exact command that applies it), paging through large plans.
import type { Command } from 'commander';
import { planCsv } from '../../../src/plan/csv';
import { readPlan } from '../actions';
import { CliError, ExitCode } from '../errors';
import { example } from '../help';
import { renderPlan } from '../render';
import { findRun, type CliContext } from '../temporal';

export interface PlanCommandDeps {
  print(cmd: Command, json: unknown, human: () => string): void;
  withTemporal<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T>;
  /** The pair's secondary bootstrap servers (for the apply command), when the pairs file holds the pair. */
  secondaryBootstrap(cmd: Command, pair: string): string | undefined;
  out(text: string): void;
  err(text: string): void;
}

/** How to apply `kdr plan --csv` output with Apache Kafka's tool: one --group per planned group, never --all-groups. */
export function applyHint(
  plan: { groups: readonly { group: string }[] },
  group: string | undefined,
  bootstrap: string | undefined,
): string {
  const groups = group !== undefined ? [group] : plan.groups.map((g) => g.group);
  const flags =
    groups.length <= 20
      ? groups.map((g) => `--group ${quoteArg(g)}`).join(' ')
      : `--group <each of the ${groups.length} planned groups>`;
  return (
    `# apply (after checking it with --dry-run instead of --execute): kafka-consumer-groups.sh --bootstrap-server ${bootstrap ?? '<secondary bootstrap>'} ` +
    `${flags} --reset-offsets --from-file plan.csv --execute`
  );
}

function quoteArg(s: string): string {
  return /^[A-Za-z0-9._-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function registerPlan(program: Command, deps: PlanCommandDeps): void {
  program
    .command('plan')
    .argument('<run>', 'workflow id, or pair name (its current failover)')
    .description(
      'the failover plan: per group and partition the target offset on the secondary, its source and duplicate bound',
    )
    .option(
      '--csv',
      'the file kafka-consumer-groups.sh --reset-offsets --from-file reads (group,topic,partition,offset); the command to apply it goes to stderr',
    )
    .option('--group <name>', 'with --csv: one group, in the single-group form topic,partition,offset')
    .option('--offset <n>', 'page through a large plan: start at the n-th group (0-based, groups sorted by name)')
    .option('--limit <n>', 'page through a large plan: at most n groups (the totals stay those of the whole plan)')
    .addHelpText(
      'after',
      example(
        'kdr plan local-kafka',
        'kdr plan dr-failover-local-kafka --csv > plan.csv',
        'kdr plan local-kafka --csv --group orders-billing > orders-billing.csv',
        'kdr plan local-kafka --offset 2000 --limit 500',
      ),
    )
    .action(
      async (run: string, opts: { csv?: boolean; group?: string; offset?: string; limit?: string }, cmd: Command) => {
        if (opts.group && !opts.csv) throw new CliError('--group goes with --csv', ExitCode.usage);
        const count = (flag: string, v: string | undefined, min: number) => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isInteger(n) || n < min)
            throw new CliError(`--${flag} ${v}: expected an integer >= ${min}`, ExitCode.usage);
          return n;
        };
        const offset = count('offset', opts.offset, 0);
        const limit = count('limit', opts.limit, 1);
        const page =
          offset !== undefined || limit !== undefined
            ? { ...(offset !== undefined ? { offset } : {}), ...(limit !== undefined ? { limit } : {}) }
            : undefined;
        await deps.withTemporal(cmd, async (ctx) => {
          const found = await findRun(ctx, run, 'failover');
          const view = await readPlan(ctx, found, page);
          if (opts.csv) {
            const plan = view.plan;
            if (opts.group && !plan.groups.some((g) => g.group === opts.group)) {
              throw new CliError(
                `no such group in plan ${view.planId}: ${opts.group} (groups: ${plan.groups.map((g) => g.group).join(', ') || 'none'})`,
                ExitCode.notFound,
              );
            }
            deps.out(planCsv(plan, opts.group).trimEnd());
            // On stderr, so the CSV stays pipeable: the exact command that applies it (--all-groups would fail
            // on every other group of the cluster and skip planned groups that do not exist there yet).
            deps.err(applyHint(plan, opts.group, deps.secondaryBootstrap(cmd, plan.pair)));
            return;
          }
          const source = (view as { source?: string }).source;
          deps.print(
            cmd,
            { workflowId: found.description.workflowId, runId: found.description.runId, ...view },
            () =>
              renderPlan(found.description.workflowId, view.planId, view.plan) +
              (view.page
                ? `\n\ngroups ${view.page.offset + 1}-${view.page.offset + view.plan.groups.length} of ${view.page.total} (--offset/--limit for others)`
                : '') +
              (source ? `\n\n(read from the ${source})` : ''),
          );
        });
      },
    );
}
