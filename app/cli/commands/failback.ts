// `kdr failback <pair>`: start the pair's drFailback (one per pair): assess the old primary's unreplicated tail,
// export it to the active side, and after an approval re-protect the pair in reverse; with stage switch-back, switch
// back (drFailover in reverse, approved like any failover) and replicate forward again.
import type { Command } from 'commander';
import { requestSignature } from '../signing';
import { FailbackInputSchema } from '../../../src/config';
import { failbackWorkflowId, switchBackWorkflowId } from '../../../workflows/contract';
import { start, type StartedRun } from '../actions';
import { checkFlags, type FlagNames } from '../flags';
import type { CliContext } from '../temporal';

const FAILBACK_FLAGS: FlagNames = {
  requestedBy: '--requested-by',
  stages: '--stages',
  exportSuffix: '--export-suffix',
  scanLimit: '--scan-limit',
  'approval.required': '--approvals',
  'switchover.quietWindow': '--quiet-window',
  'switchover.timeout': '--switchover-timeout',
  'switchover.guard': '--guard',
};

export interface FailbackCommandDeps {
  print(cmd: Command, json: unknown, human: () => string): void;
  withTemporal<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T>;
  checkPair(cmd: Command, pair: string): void;
  operator(): string;
}

interface FailbackOptions {
  requestedBy?: string;
  stages?: string;
  exportSuffix?: string;
  scanLimit?: string;
  approvals?: string;
  quietWindow?: string;
  switchoverTimeout?: string;
  guard?: string;
  key?: string;
}

export function registerFailback(program: Command, deps: FailbackCommandDeps): void {
  program
    .command('failback')
    .argument('<pair>', 'a pair name from the pairs file (it must have failed over)')
    .description(
      "start drFailback for a pair that failed over: find the old primary's unreplicated tail, export it to the active side " +
        '(read back and counted), then after an approval empty the old primary and replicate in reverse; with --stages switch-back, switch back ' +
        '(a planned switchover in reverse, run as dr-failover-<pair>) and replicate forward again',
    )
    .option('--requested-by <name>', 'who asks; may not approve their own failback (default $KDR_OPERATOR or $USER)')
    .option(
      '--stages <list>',
      'comma-separated: assess, export, re-protect, switch-back (default assess,export,re-protect; assess always runs, changes nothing)',
    )
    .option(
      '--export-suffix <suffix>',
      'the tail of <topic> goes to <topic><suffix> on the active side (default .kdr-unreplicated)',
    )
    .option('--scan-limit <n>', 'records read per partition on each side when looking for the tail (default 50000)')
    .option('--approvals <n>', "approvals required (only tightens the pair's policy)")
    .option(
      '--key <file>',
      'signed pairs: sign the request with your Ed25519 private key (proves who asks; unsigned, one approval more is required)',
    )
    .option(
      '--quiet-window <duration>',
      'switch-back: the active side is quiet after this long without writes (default 10s)',
    )
    .option(
      '--switchover-timeout <duration>',
      'switch-back: block if the active side is not quiet and replicated within this (default 15m)',
    )
    .option(
      '--guard <duration>',
      'switch-back: watch the groups for stale client commits this long after the switch (default 5m; 0 = off)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ kdr failback local-kafka --stages assess,export      # find and preserve the tail; nothing deleted\n' +
        '  $ kdr failback local-kafka --requested-by alice        # up to re-protect, after an approval\n' +
        '  $ kdr approve dr-failback-local-kafka --by bob --plan-id <planId from kdr status dr-failback-local-kafka>\n' +
        '  $ kdr failback local-kafka --stages switch-back        # later: switch back, then forward replication again\n' +
        "  $ kdr approve local-kafka --by bob --plan-id <planId>  # approves the switch-back's drFailover (dr-failover-local-kafka)\n",
    )
    .action(async (pair: string, opts: FailbackOptions, cmd: Command) => {
      deps.checkPair(cmd, pair);
      const input = {
        pair,
        requestedBy: opts.requestedBy ?? deps.operator(),
        ...(opts.stages !== undefined
          ? {
              stages: opts.stages
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        ...(opts.exportSuffix !== undefined ? { exportSuffix: opts.exportSuffix } : {}),
        ...(opts.scanLimit !== undefined ? { scanLimit: Number(opts.scanLimit) } : {}),
        ...(opts.approvals !== undefined ? { approval: { required: Number(opts.approvals) } } : {}),
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
      };
      checkFlags(FailbackInputSchema, input, FAILBACK_FLAGS, 'failback');
      const workflowId = failbackWorkflowId(pair);
      const signed = {
        ...input,
        ...requestSignature(opts.key, {}, { pair, workflowId, requestedBy: input.requestedBy }),
      };
      await deps.withTemporal(cmd, async (ctx) => {
        const run: StartedRun = await start(
          ctx,
          'drFailback',
          workflowId,
          signed,
          `Failback of pair ${pair} requested by ${input.requestedBy}`,
        );
        deps.print(cmd, run, () =>
          [
            `Started drFailback ${workflowId} (run ${run.runId}) on task queue ${run.taskQueue}`,
            ...(run.uiUrl
              ? [
                  `Temporal UI: ${run.uiUrl} (the plan: tail counts per topic, partitions to empty, reverse replication)`,
                ]
              : []),
            `  → follow it: kdr status ${workflowId} --watch`,
            `  → approve re-protect: kdr approve ${workflowId} --by <approver, not ${input.requestedBy}> --plan-id <planId shown by kdr status>`,
            ...(input.stages?.includes('switch-back')
              ? [
                  `  → the switch-back runs as ${switchBackWorkflowId(pair)}: kdr approve ${pair} --by <approver> --plan-id <planId shown by kdr status ${switchBackWorkflowId(pair)}>; ` +
                    'at its drain step restart the producers and stop the consumers',
                ]
              : []),
          ].join('\n'),
        );
      });
    });
}
