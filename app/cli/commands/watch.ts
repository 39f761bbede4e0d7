// `kdr watch <pair>`: start the pair's drWatch (or report the one already running: one per pair), or stop it.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { StopWatchPayloadSchema } from '../../../src/config';
import { stopWatchSignal, watchQuery, watchWorkflowId, workflowIdsOf } from '../../../workflows/contract';
import { checkFlags, DECISION_FLAGS } from '../flags';
import { APPROVER_KEY_ENV, signWithKey } from '../signing';
import type { WatchStatus } from '../../../workflows/watch-view';
import { CliError, ExitCode } from '../errors';
import { explain, findPairRun, uiLink, type CliContext } from '../temporal';
import { runCard } from '../run-card';

export interface WatchCommandDeps {
  print(cmd: Command, json: unknown, human: () => string): void;
  withTemporal<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T>;
  checkPair(cmd: Command, pair: string): void;
  operator(): string;
}

function describe(s: WatchStatus | undefined): string {
  if (!s) return 'no check yet';
  const snap =
    s.last?.snapshot && !('error' in s.last.snapshot)
      ? `; last snapshot ${s.last.snapshot.groups} groups, ${s.last.snapshot.positions} positions`
      : '';
  const paused = s.autoControl?.paused ?? s.auto?.paused;
  const auto = s.auto
    ? `; automatic failover: ${paused ? `PAUSED by ${paused.by}, ` : ''}${s.auto.decision} (${s.auto.why})`
    : '';
  return `health ${s.health} since ${new Date(s.since).toISOString()} (${s.why})${snap}${auto}`;
}

export function registerWatch(program: Command, deps: WatchCommandDeps): void {
  program
    .command('watch')
    .argument('<pair>', 'a pair name from the pairs file')
    .description(
      "start drWatch for a pair (replication health every interval, and every group's position stored on the secondary for a failover without the primary); one per pair",
    )
    .option('--stop', "stop the pair's drWatch")
    .option('--by <name>', 'who stops it (default $KDR_OPERATOR or your user name)')
    .option('--reason <text>', 'why it is stopped (recorded in the run)')
    .option('--key <file>', 'signed pairs: sign the stop with your Ed25519 private key (default $KDR_APPROVER_KEY)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kdr watch local-kafka\n  $ kdr watch local-kafka --stop --reason "pair retired"\n',
    )
    .action(
      async (pair: string, opts: { stop?: boolean; by?: string; reason?: string; key?: string }, cmd: Command) => {
        deps.checkPair(cmd, pair);
        const stop = {
          by: opts.by ?? deps.operator(),
          ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        };
        await deps.withTemporal(cmd, async (ctx) => {
          // Bad flags are refused before Temporal is asked anything.
          if (opts.stop) checkFlags(StopWatchPayloadSchema, stop, DECISION_FLAGS, 'watch --stop');
          // The running watch under its current id, or under the id an earlier version started it with.
          const running = await findPairRun(ctx, 'watch', pair, { running: true });
          const workflowId = running?.description.workflowId ?? watchWorkflowId(pair);
          // Not pinned to a run: the watch continues as new, and a stop or query goes to its current run.
          const handle = ctx.client.workflow.getHandle(workflowId);
          if (opts.stop) {
            if (!running) {
              throw new CliError(
                `no drWatch is running for pair ${pair} (looked for ${workflowIdsOf('watch', pair).join(', ')})`,
                ExitCode.notFound,
              );
            }
            // A signed pair's watch takes a signed stop only (bound to the watch's workflow id: it continues as new).
            const keyPath = opts.key ?? process.env[APPROVER_KEY_ENV];
            const proof = keyPath
              ? signWithKey(keyPath, {
                  purpose: 'stop-watch',
                  subject: 'stop',
                  pair,
                  workflowId,
                  runId: '',
                  planId: '',
                  by: stop.by,
                })
              : {};
            try {
              await handle.signal(stopWatchSignal, { ...stop, ...proof });
            } catch (err) {
              if (err instanceof WorkflowNotFoundError)
                throw new CliError(`no drWatch is running for pair ${pair} (${workflowId})`, ExitCode.notFound);
              throw explain(err, ctx);
            }
            // The run ends after its current check: at most one check plus a moment.
            // The timer is cleared once the run has ended: a pending one kept kdr alive for 90 s after "Stopped".
            let timer: NodeJS.Timeout | undefined;
            const result = await Promise.race([
              handle.result(),
              new Promise((r) => {
                timer = setTimeout(() => r(undefined), 90_000);
              }),
            ]).finally(() => clearTimeout(timer));
            deps.print(cmd, { workflowId, stopped: result !== undefined, result }, () =>
              result
                ? `Stopped drWatch ${workflowId}.`
                : `Asked drWatch ${workflowId} to stop; it has not ended yet (a check in progress?): see the Temporal UI.`,
            );
            return;
          }
          let started = false;
          if (!running) {
            try {
              await ctx.client.workflow.start('drWatch', {
                taskQueue: ctx.taskQueue,
                workflowId,
                args: [{ pair }],
                workflowIdConflictPolicy: 'FAIL',
                staticSummary: `Watch DR pair ${pair}: replication health and position snapshots`,
                staticDetails: runCard('drWatch', { pair }, '').details,
              });
              started = true;
            } catch (err) {
              // Started meanwhile by drSetup or another kdr: one watch per pair.
              if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw explain(err, ctx);
            }
          }
          const status = await handle.query(watchQuery).catch(() => undefined);
          const link = uiLink(ctx, workflowId);
          deps.print(cmd, { workflowId, started, status }, () =>
            [
              `${started ? 'Started' : 'Already running:'} drWatch ${workflowId} on task queue ${ctx.taskQueue}${started ? '' : ` — ${describe(status)}`}`,
              ...(link ? [`Temporal UI: ${link}`] : []),
              `  → find it with DrPair = "${pair}"; unhealthy pairs: DrHealth != "healthy"`,
              `  → stop it: kdr watch ${pair} --stop`,
            ].join('\n'),
          );
        });
      },
    );
}
