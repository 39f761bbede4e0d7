// How the CLI reaches Temporal and finds runs: a fast connection check that names the address, the UI link of
// a run, and `<run>` = a workflow id or a pair name (its current failover or setup run).
import * as net from 'node:net';
import {
  Client,
  Connection,
  WorkflowNotFoundError,
  isGrpcServiceError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  devServerUiUrl,
  isLoopbackTemporal,
  statusQuery,
  TASK_QUEUE,
  workflowIdsOf,
  type Runbook,
} from '../../workflows/contract';
import { temporalTarget, type TemporalTarget } from '../temporal-connection';
import type { RunStatus } from '../../workflows/runner/types';
import { CliError, ExitCode } from './errors';
import { dataConverter } from '../../src/data-converter';

/** The runbooks and their workflow ids (workflows/contract), for the commands and the demo. */
export { RUNBOOKS, failoverWorkflowId, setupWorkflowId, verifyWorkflowId } from '../../workflows/contract';
/** What `kdr status` shows of a run (./run-view), under the name its readers import. */
export type { RunView } from './run-view';

export interface CliContext {
  client: Client;
  target: TemporalTarget;
  taskQueue: string;
  close(): Promise<void>;
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** Connects within a few seconds or fails with one line naming the address (exit 4). */
export async function connect(
  options: { env?: NodeJS.ProcessEnv; taskQueue?: string; timeoutMs?: number } = {},
): Promise<CliContext> {
  const env = options.env ?? process.env;
  const target = temporalTarget(env);
  let connection: Connection;
  try {
    await tcpReachable(target.address, options.timeoutMs ?? 3_000);
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: options.timeoutMs ?? 5_000 });
  } catch (err) {
    throw unreachable(target, err);
  }
  const client = new Client({ connection, namespace: target.namespace, dataConverter });
  return {
    client,
    target,
    taskQueue: options.taskQueue ?? env.KDR_TASK_QUEUE ?? TASK_QUEUE,
    close: () => connection.close(),
  };
}

/** A refused or silent port fails in milliseconds here, where gRPC would keep retrying until its deadline. */
function tcpReachable(address: string, timeoutMs: number): Promise<void> {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: m[1], port: Number(m[2]) });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(new Error(err.code ?? err.message)));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}

function unreachable(target: TemporalTarget, err: unknown): CliError {
  const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const hint = isLoopbackTemporal(target.address)
    ? ' (the local stack: npm run stack:up; or set TEMPORAL_ADDRESS)'
    : ' (TEMPORAL_ADDRESS)';
  return new CliError(`Temporal is unreachable at ${target.address}${hint}: ${why}`, ExitCode.unreachable);
}

/** Maps errors of any Temporal call to one line and an exit code; rethrows CliErrors as they are. */
export function explain(err: unknown, ctx?: CliContext): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof WorkflowNotFoundError)
    return new CliError(`no such run: ${err.workflowId ?? err.message}`, ExitCode.notFound);
  if (isGrpcServiceError(err) && err.code === GRPC_UNAVAILABLE && ctx) return unreachable(ctx.target, err);
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  if (isGrpcServiceError(err) && err.code === GRPC_DEADLINE_EXCEEDED) {
    return new CliError(
      `Temporal did not answer in time${ctx ? ` (${ctx.target.address})` : ''}: ${message}; ` +
        "is a kafka-dr worker polling the run's task queue?",
      ExitCode.failed,
    );
  }
  return new CliError(message, ExitCode.failed);
}

/** The Temporal UI page of a run: the local dev server's UI, or $KDR_TEMPORAL_UI_URL; undefined when unknown. */
export function uiLink(
  ctx: Pick<CliContext, 'target'>,
  workflowId: string,
  runId?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const base = env.KDR_TEMPORAL_UI_URL?.replace(/\/+$/, '') ?? devServerUiUrl(ctx.target.address);
  if (!base) return undefined;
  const ns = encodeURIComponent(ctx.target.namespace);
  return `${base}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}${runId ? `/${encodeURIComponent(runId)}` : ''}`;
}

export interface FoundRun {
  handle: WorkflowHandle;
  description: WorkflowExecutionDescription;
}

async function describeOrUndefined(client: Client, workflowId: string): Promise<FoundRun | undefined> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    // Pinned to the run found, so a decision never lands on a newer run started in between.
    return { handle: client.workflow.getHandle(workflowId, description.runId), description };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * The pair's run of `runbook` (with `running`, only a running one): under its current workflow id, else under an id
 * an earlier version used (workflows/contract/ids.ts), so runs started before the one id scheme are still found.
 */
export async function findPairRun(
  ctx: Pick<CliContext, 'client'>,
  runbook: Runbook,
  pair: string,
  options: { running?: boolean } = {},
): Promise<FoundRun | undefined> {
  for (const id of workflowIdsOf(runbook, pair)) {
    const found = await describeOrUndefined(ctx.client, id);
    if (found && (!options.running || found.description.status.name === 'RUNNING')) return found;
  }
  return undefined;
}

/**
 * `<run>` is a workflow id, or a pair name meaning the pair's current run: a running failover, else a running
 * setup, else a running failback, else the most recent of them. `only` restricts a pair name to one runbook (e.g. plan: failover).
 */
export async function findRun(ctx: CliContext, run: string, only?: 'setup' | 'failover'): Promise<FoundRun> {
  const exact = await describeOrUndefined(ctx.client, run);
  if (exact) return exact;
  const runbooks: Runbook[] = only ? [only] : ['failover', 'setup', 'failback'];
  const ids = runbooks.flatMap((runbook) => workflowIdsOf(runbook, run));
  const found = (await Promise.all(ids.map((id) => describeOrUndefined(ctx.client, id)))).filter(
    (f): f is FoundRun => f !== undefined,
  );
  const running = found.find((f) => f.description.status.name === 'RUNNING');
  const latest =
    running ?? found.sort((a, b) => b.description.startTime.getTime() - a.description.startTime.getTime())[0];
  if (!latest) {
    throw new CliError(
      `no such run: "${run}" is neither a workflow id nor a pair with a run (looked for ${ids.join(', ')})`,
      ExitCode.notFound,
    );
  }
  return latest;
}

export async function queryStatus(ctx: CliContext, handle: WorkflowHandle, taskQueue: string): Promise<RunStatus> {
  try {
    return await ctx.client.withDeadline(Date.now() + 15_000, () => handle.query(statusQuery));
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === GRPC_UNAVAILABLE) throw explain(err, ctx);
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CliError(
      `run ${handle.workflowId} did not answer query "status" (${why}): is a kafka-dr worker polling task queue "${taskQueue}"?`,
      ExitCode.failed,
    );
  }
}
