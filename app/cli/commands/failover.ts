// `kdr failover <pair>`: start drFailover with the flags an operator gives (dry run, groups, drain, guard, approvals).
import { Option, type Command } from 'commander';
import { startFailover } from '../actions';
import { CliError, ExitCode } from '../errors';
import { commaList, positiveInt } from '../flags';
import { example } from '../help';
import { requestSignature } from '../signing';
import { failoverWorkflowId } from '../temporal';
import type { CommandContext } from './context';

export function registerFailover(program: Command, c: CommandContext): void {
  program
    .command('failover')
    .argument('<pair>', 'a pair name from the pairs file')
    .description(
      'start drFailover for a pair: assess, plan offsets, wait for approval, reset offsets, switch the CNAME, (switchover) drain and apply the final plan, guard, verify',
    )
    .option('--dry-run', 'stop after the plan: nothing is changed (a drill of the decision, not of the switch)')
    .option('--requested-by <name>', 'who asks; may not approve their own failover (default $KDR_OPERATOR or $USER)')
    .option(
      '--groups <list>',
      'only these consumer groups (comma-separated; default every group of the pair)',
      commaList,
    )
    .addOption(
      new Option(
        '--drain <mode>',
        'planned switchover when the primary answers: wait for it to go quiet and for replication to complete, then pause',
      )
        .choices(['auto', 'true', 'false'])
        .default('auto'),
    )
    .option(
      '--quiet-window <duration>',
      'switchover: the primary is quiet after this long without writes (default 10s)',
    )
    .option(
      '--switchover-timeout <duration>',
      'switchover: block if the primary is not quiet and replicated within this (default 15m)',
    )
    .option(
      '--guard <duration>',
      'after the switch, watch the groups for stale client commits this long (default 5m; 0 = off)',
    )
    .option(
      '--operator-timestamp <iso>',
      'groups had processed everything before this time (used when nothing better translates)',
    )
    .option('--approvals <n>', 'approvals required (default 1)', positiveInt)
    .option(
      '--key <file>',
      'signed pairs: sign the request with your Ed25519 private key (default $KDR_APPROVER_KEY; proves who asks, unsigned one approval more is required)',
    )
    .option(
      '--reverse',
      'switch back after drFailback re-protected the pair: from the old secondary to the primary, over the reverse replication ' +
        '(kdr failback <pair> --stages switch-back also restores forward replication afterwards)',
    )
    .option('--watch', 'follow the run until it ends')
    .addHelpText(
      'after',
      example(
        'kdr failover local-kafka --dry-run',
        'kdr failover local-kafka --requested-by alice',
        'kdr failover local-kafka --groups orders-billing,payments-ledger --drain false',
      ),
    )
    .action(
      async (
        pair: string,
        opts: {
          dryRun?: boolean;
          requestedBy?: string;
          groups?: string[];
          drain: string;
          operatorTimestamp?: string;
          approvals?: number;
          watch?: boolean;
          quietWindow?: string;
          switchoverTimeout?: string;
          guard?: string;
          reverse?: boolean;
          key?: string;
        },
        cmd: Command,
      ) => {
        c.checkPair(cmd, pair);
        if (opts.operatorTimestamp !== undefined && Number.isNaN(Date.parse(opts.operatorTimestamp))) {
          throw new CliError(
            `--operator-timestamp "${opts.operatorTimestamp}" is not a time: give ISO-8601, e.g. 2025-01-31T09:30:00Z`,
            ExitCode.usage,
          );
        }
        const requestedBy = opts.requestedBy ?? c.operator();
        await c.withTemporal(cmd, async (ctx) => {
          const run = await startFailover(ctx, pair, {
            requestedBy,
            ...(opts.dryRun ? { dryRun: true } : {}),
            ...(opts.reverse ? { reverse: true } : {}),
            ...(opts.groups ? { groups: opts.groups } : {}),
            ...(opts.drain !== 'auto' ? { drain: opts.drain === 'true' } : {}),
            ...(opts.operatorTimestamp ? { translation: { operatorTimestamp: opts.operatorTimestamp } } : {}),
            ...(opts.approvals ? { approval: { required: opts.approvals } } : {}),
            ...(opts.dryRun
              ? {}
              : requestSignature(opts.key, c.io.env, { pair, workflowId: failoverWorkflowId(pair), requestedBy })),
            ...(opts.quietWindow || opts.switchoverTimeout || opts.guard !== undefined
              ? {
                  switchover: {
                    ...(opts.quietWindow ? { quietWindow: opts.quietWindow } : {}),
                    ...(opts.switchoverTimeout ? { timeout: opts.switchoverTimeout } : {}),
                    ...(opts.guard !== undefined
                      ? { guard: /^\d+$/.test(opts.guard) ? Number(opts.guard) : opts.guard }
                      : {}),
                  },
                }
              : {}),
          } as Parameters<typeof startFailover>[2]);
          c.started(cmd, run, [
            `kdr plan ${run.workflowId}`,
            ...(opts.dryRun ? [] : [`kdr approve ${run.workflowId} --by <approver, not ${requestedBy}>`]),
            `kdr status ${run.workflowId} --watch`,
          ]);
          if (opts.watch) c.setExit(await c.follow(ctx, cmd, run.workflowId, 1000));
        });
      },
    );
}
