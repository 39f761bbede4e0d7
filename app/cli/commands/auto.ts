// `kdr auto pause|resume <pair>`: tighten the pair's automatic failover from the terminal (pause: the watch still
// decides and shows why, but starts no failover and pages a person instead; anyone may), or return to the pairs
// file's policy (resume: the pair's listed approvers only; a signed pair's resume is signed like a watch stop).
// Both are signals to the pair's drWatch, audited in its state (kdr watch, the Temporal UI).
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { AutoControlPayloadSchema } from '../../../src/config';
import {
  pauseAutoFailoverSignal,
  resumeAutoFailoverSignal,
  watchQuery,
  workflowIdsOf,
} from '../../../workflows/contract';
import type { WatchStatus } from '../../../workflows/watch-view';
import { checkFlags, DECISION_FLAGS } from '../flags';
import { example } from '../help';
import { APPROVER_KEY_ENV, signWithKey } from '../signing';
import { CliError, ExitCode } from '../errors';
import { explain, findPairRun } from '../temporal';
import type { CommandContext } from './context';

type Action = 'pause' | 'resume';

/** How long kdr waits for the watch to record the decision (it is applied at once, then shown). */
const SHOWN_WITHIN_MS = 10_000;

export function registerAuto(program: Command, c: CommandContext): void {
  const auto = program
    .command('auto')
    .description("pause or resume a pair's automatic failover (autoFailover in the pairs file) on its running drWatch");
  for (const action of ['pause', 'resume'] as const) {
    const sub = auto.command(action);
    if (action === 'resume')
      sub.option(
        '--key <file>',
        'signed pairs: sign the resume with your Ed25519 private key (default $KDR_APPROVER_KEY)',
      );
    sub
      .argument('<pair>', 'a pair name from the pairs file')
      .description(
        action === 'pause'
          ? 'stop the watch from failing over by itself (it still decides, and pages a person instead); anyone may'
          : "back to the pairs file's policy: one of the pair's listed approvers only",
      )
      .option('--by <name>', 'who (default $KDR_OPERATOR or your user name)')
      .option('--reason <text>', 'why (recorded in the watch)')
      .addHelpText(
        'after',
        example(
          action === 'pause'
            ? 'kdr auto pause local-kafka --reason "primary maintenance 02:00-04:00"'
            : 'kdr auto resume local-kafka --by alice --reason "maintenance done"',
        ),
      )
      .action(async (pair: string, opts: { by?: string; reason?: string; key?: string }, cmd: Command) => {
        c.checkPair(cmd, pair);
        const payload = { by: opts.by ?? c.operator(), ...(opts.reason !== undefined ? { reason: opts.reason } : {}) };
        checkFlags(AutoControlPayloadSchema, payload, DECISION_FLAGS, `auto ${action}`);
        await c.withTemporal(cmd, async (ctx) => {
          const running = await findPairRun(ctx, 'watch', pair, { running: true });
          if (!running)
            throw new CliError(
              `no drWatch is running for pair ${pair} (looked for ${workflowIdsOf('watch', pair).join(', ')}): ` +
                `start it with kdr watch ${pair}`,
              ExitCode.notFound,
            );
          const workflowId = running.description.workflowId;
          const keyPath = action === 'resume' ? (opts.key ?? c.io.env[APPROVER_KEY_ENV]) : undefined;
          // Bound to the watch's workflow id, not a run: the watch continues as new.
          const proof = keyPath
            ? signWithKey(keyPath, {
                purpose: 'auto-resume',
                subject: 'resume',
                pair,
                workflowId,
                runId: '',
                planId: '',
                by: payload.by,
              })
            : {};
          const handle = ctx.client.workflow.getHandle(workflowId);
          const before = lastOf(await handle.query(watchQuery).catch(() => undefined));
          try {
            await handle.signal(action === 'pause' ? pauseAutoFailoverSignal : resumeAutoFailoverSignal, {
              ...payload,
              ...proof,
            });
          } catch (err) {
            if (err instanceof WorkflowNotFoundError)
              throw new CliError(`no drWatch is running for pair ${pair} (${workflowId})`, ExitCode.notFound);
            throw explain(err, ctx);
          }
          const entry = await recorded(() => handle.query(watchQuery), before, payload.by, action);
          c.print(cmd, { workflowId, action, recorded: entry ?? null }, () =>
            entry === undefined
              ? `Sent ${action} to ${workflowId}; not shown yet: see kdr watch ${pair}.`
              : entry.accepted
                ? `${action === 'pause' ? 'Paused' : 'Resumed'} the automatic failover of ${pair} (${workflowId}) as ${entry.by}.`
                : `Refused: ${entry.reason ?? 'see kdr watch'}`,
          );
          if (entry && !entry.accepted) c.setExit(ExitCode.refused);
        });
      });
  }
}

type AuditEntry = NonNullable<NonNullable<WatchStatus['autoControl']>['audit']>[number];

const lastOf = (s: WatchStatus | undefined) => s?.autoControl?.audit?.at(-1);

/** The watch's audit entry for this signal: a newer last entry than before, by this person, for this action. */
async function recorded(
  read: () => Promise<WatchStatus>,
  before: AuditEntry | undefined,
  by: string,
  action: Action,
): Promise<AuditEntry | undefined> {
  const end = Date.now() + SHOWN_WITHIN_MS;
  while (Date.now() < end) {
    const last = lastOf(await read().catch(() => undefined));
    if (last && JSON.stringify(last) !== JSON.stringify(before) && last.by === by && last.action === action)
      return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}
