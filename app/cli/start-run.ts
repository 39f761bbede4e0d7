// Starting a run from the CLI: setup, failover and verify, each under its one workflow id per pair, refused while
// a run with that id is going.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { FailoverInputSchema, SetupInputSchema, type FailoverInput } from '../../src/config';
import { VerifyInputSchema } from '../../src/config/verify-input';
import { checkFlags, FAILOVER_FLAGS, SETUP_FLAGS } from './flags';
import { runCard } from './run-card';
import { CliError, ExitCode } from './errors';
import {
  explain,
  failoverWorkflowId,
  RUNBOOKS,
  setupWorkflowId,
  uiLink,
  verifyWorkflowId,
  type CliContext,
} from './temporal';

export interface StartedRun {
  workflowId: string;
  runId: string;
  type: string;
  taskQueue: string;
  uiUrl?: string;
}

export type FailoverOptions = Omit<Partial<FailoverInput>, 'pair' | 'config'> & { requestedBy: string };

export async function startSetup(
  ctx: CliContext,
  pair: string,
  options: { requestedBy?: string } = {},
): Promise<StartedRun> {
  checkFlags(
    SetupInputSchema,
    { pair, ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}) },
    SETUP_FLAGS,
    'setup',
  );
  return start(
    ctx,
    RUNBOOKS.setup,
    setupWorkflowId(pair),
    { pair, ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}) },
    `Set up DR for pair ${pair}${options.requestedBy ? ` (requested by ${options.requestedBy})` : ''}`,
  );
}

export async function startFailover(ctx: CliContext, pair: string, options: FailoverOptions): Promise<StartedRun> {
  checkFlags(FailoverInputSchema, { pair, ...options }, FAILOVER_FLAGS, 'failover');
  const what = options.dryRun ? 'Failover dry run' : 'Failover';
  return start(
    ctx,
    RUNBOOKS.failover,
    failoverWorkflowId(pair),
    { pair, ...options },
    `${what} of pair ${pair} requested by ${options.requestedBy}`,
  );
}

/** drVerify: connector-verify alone (canary, lag, fidelity profile); changes nothing. */
export async function startVerify(
  ctx: CliContext,
  pair: string,
  options: { requestedBy?: string } = {},
): Promise<StartedRun> {
  checkFlags(
    VerifyInputSchema,
    { pair, ...(options.requestedBy !== undefined ? { requestedBy: options.requestedBy } : {}) },
    SETUP_FLAGS,
    'verify',
  );
  return start(
    ctx,
    RUNBOOKS.verify,
    verifyWorkflowId(pair),
    { pair, ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}) },
    `Verify replication of pair ${pair} (canary, lag, fidelity profile)`,
  );
}

/** Starts `type` under `workflowId`, refused (exit 6) while a run with that id is going. */
export async function start(
  ctx: CliContext,
  type: string,
  workflowId: string,
  input: object,
  summary: string,
): Promise<StartedRun> {
  const card = runCard(type, input, summary);
  try {
    const handle = await ctx.client.workflow.start(type, {
      taskQueue: ctx.taskQueue,
      workflowId,
      args: [input],
      // One run per pair and runbook at a time; a finished run's id may be reused.
      workflowIdConflictPolicy: 'FAIL',
      // The UI's run list and run page say what the run is: who asked, the mode, what it will change.
      staticSummary: card.summary,
      staticDetails: card.details,
    });
    return {
      workflowId,
      runId: handle.firstExecutionRunId,
      type,
      taskQueue: ctx.taskQueue,
      uiUrl: uiLink(ctx, workflowId, handle.firstExecutionRunId),
    };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await ctx.client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      throw new CliError(
        `refused: a ${type} run for this pair is already running: ${workflowId}` +
          `${running ? ` (run ${running.runId}, started ${running.startTime.toISOString()})` : ''}; see kdr status ${workflowId}`,
        ExitCode.refused,
      );
    }
    throw explain(err, ctx);
  }
}
