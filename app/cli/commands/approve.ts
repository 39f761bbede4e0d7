// `kdr approve`. An approval names exactly the plan it approves: either --plan-id (after
// reviewing `kdr plan`), or the CLI shows the plan summary and asks for confirmation; --yes (scripts) approves
// the plan shown. On a pair with approval.identity "signed" the approval is signed with the approver's Ed25519
// private key (--key or $KDR_APPROVER_KEY), and the worker checks it against the pairs file.
import type { Command } from 'commander';
import { ApprovePayloadSchema } from '../../../src/config';
import { signApproval } from '../../../src/security/approval-signature';
import { APPROVER_KEY_ENV, readKey } from '../signing';
import type { ShownPlan } from '../../../src/plan/model';
import { failbackText, isFailbackPlan } from '../../../workflows/failback-plan';
import { approve, readPlan, type Decision } from '../actions';
import { CliError, ExitCode } from '../errors';
import { checkFlags, DECISION_FLAGS } from '../flags';
import { findRun, queryStatus, type CliContext } from '../temporal';
import { example } from '../help';
import type { CommandContext } from './context';

export { APPROVER_KEY_ENV, requestSignature, signWithKey } from '../signing';

export interface ApproveIo {
  out(text: string): void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** Asks a question on the terminal; absent when there is none (then --plan-id or --yes is required). */
  ask?(question: string): Promise<string>;
}

export interface ApproveOptions {
  by: string;
  comment?: string;
  planId?: string;
  yes?: boolean;
  key?: string;
}

/** The plan summary an approver confirms: everything the planId authorises, in one screen. */
export function planSummary(workflowId: string, planId: string, plan: ShownPlan): string {
  const warning = plan.identityWarning ? [`WARNING ${plan.identityWarning}`] : [];
  if (isFailbackPlan(plan)) return [...warning, failbackText(workflowId, plan)].join('\n');
  const t = plan.totals;
  const a = plan.authorises;
  return [
    ...warning,
    `Plan ${planId} of ${workflowId} (pair ${plan.pair ?? '?'})`,
    ...(plan.cname ? [`  CNAME ${plan.cname.domain}: ${plan.cname.from} -> ${plan.cname.to}`] : []),
    ...(a
      ? [
          `  mode ${a.mode} (drain ${JSON.stringify(a.drain)}); operator timestamp ${a.operatorTimestamp === null ? 'none' : new Date(a.operatorTimestamp).toISOString()}`,
        ]
      : []),
    ...(t
      ? [
          `  ${t.groups} groups, ${t.partitions} partitions; duplicates <= ${t.duplicateBound}; untranslated ${t.untranslated}; ` +
            `groups with live members ${t.liveGroups}; margin ${plan.marginMs} ms`,
        ]
      : []),
    `  every offset: kdr plan ${workflowId}`,
  ].join('\n');
}

export async function approveCommand(
  ctx: CliContext,
  io: ApproveIo,
  run: string,
  opts: ApproveOptions,
): Promise<Decision> {
  checkFlags(
    ApprovePayloadSchema,
    { by: opts.by, planId: opts.planId ?? 'unset', ...(opts.comment !== undefined ? { comment: opts.comment } : {}) },
    DECISION_FLAGS,
    'approve',
  );
  const found = await findRun(ctx, run, undefined);
  if (found.description.status.name !== 'RUNNING') {
    throw new CliError(
      `refused: run ${found.description.workflowId} is ${found.description.status.name.toLowerCase()}; nothing to approve`,
      ExitCode.refused,
    );
  }
  const status = await queryStatus(ctx, found.handle, found.description.taskQueue);
  let planId = opts.planId;
  if (planId === undefined) {
    const view = await readPlan(ctx, found);
    io.out(planSummary(found.description.workflowId, view.planId, view.plan));
    if (!opts.yes) {
      if (!io.ask) {
        throw new CliError(
          `approve names the plan it approves: review it (kdr plan ${found.description.workflowId}) and give --plan-id ${view.planId}, ` +
            'or --yes to approve the plan shown above (scripts)',
          ExitCode.usage,
        );
      }
      const answer = (await io.ask(`Approve plan ${view.planId} as ${opts.by}? Type "yes" to approve: `))
        .trim()
        .toLowerCase();
      if (answer !== 'yes')
        throw new CliError('not approved (answer was not "yes"); nothing was sent', ExitCode.refused);
    }
    planId = view.planId;
  }
  const keyPath = opts.key ?? io.env[APPROVER_KEY_ENV];
  const signed = status.approval?.identity === 'signed';
  if (signed && !keyPath) {
    throw new CliError(
      `pair ${status.pair ?? '?'} accepts signed approvals only: give --key <your Ed25519 private key file> ` +
        `(or set ${APPROVER_KEY_ENV}); kdr keygen creates a key pair, the pairs file lists your public key`,
      ExitCode.usage,
    );
  }
  let signature: { signature: string; signedAt: string } | undefined;
  if (signed && keyPath) {
    const signedAt = new Date().toISOString();
    const fields = {
      pair: status.pair ?? '',
      workflowId: found.description.workflowId,
      runId: found.description.runId,
      planId,
      by: opts.by,
      signedAt,
    };
    signature = { signedAt, signature: signApproval(readKey(keyPath), fields) };
  }
  return approve(ctx, run, {
    by: opts.by,
    planId,
    ...(opts.comment ? { comment: opts.comment } : {}),
    ...(signature ?? {}),
  });
}

export function registerApprove(program: Command, c: CommandContext): void {
  program
    .command('approve')
    .argument('<run>', 'workflow id, or pair name (its current run)')
    .description(
      'approve the plan of a failover: give --plan-id after reviewing kdr plan, or confirm the plan shown (--yes in scripts)',
    )
    .requiredOption('--by <name>', 'who approves (not the requester)')
    .option('--comment <text>', 'a comment recorded with the approval')
    .option('--plan-id <id>', 'approve exactly this plan (refused when the plan has changed since)')
    .option('--yes', 'approve the plan shown without asking (scripts); the summary is still printed')
    .option(
      '--key <file>',
      `your Ed25519 private key (pairs with approval.identity "signed"; default $${APPROVER_KEY_ENV}; kdr keygen creates one)`,
    )
    .addHelpText(
      'after',
      example(
        'kdr approve local-kafka --by bob --plan-id 3f2a9c0d1e2b4a5f3f2a9c0d1e2b4a5f',
        'kdr approve dr-failover-local-kafka --by bob --comment "drill, checked the plan"   # shows the plan, asks',
        'kdr approve local-apsaramq --by bob --key ~/.kdr/bob.key --plan-id <id>          # signed pair',
      ),
    )
    .action(
      async (
        run: string,
        opts: { by: string; comment?: string; planId?: string; yes?: boolean; key?: string },
        cmd: Command,
      ) => {
        await c.withTemporal(cmd, async (ctx) => {
          const d = await approveCommand(ctx, c.io, run, opts);
          c.decided(
            cmd,
            d,
            `approved plan ${d.planId} of ${d.workflowId} as ${d.by} (${d.reason ?? 'accepted'}); follow it: kdr status ${d.workflowId} --watch`,
          );
        });
      },
    );
}
