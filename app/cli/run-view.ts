// What `kdr status` reads of a run: its own status while it runs (a query), its report once closed (its result in
// the history), the activities in flight, and the exit code that says where the run is.
import { WorkflowFailedError, type WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { waitsForOperator, type RunReport, type RunStatus } from '../../workflows/runner/types';
import { ExitCode } from './errors';
import { queryStatus, uiLink, type CliContext, type FoundRun } from './temporal';

/** What `kdr status` shows: the run's own status while it runs, its report (result or failure) once closed. */
export interface RunView {
  workflowId: string;
  runId: string;
  type: string;
  taskQueue: string;
  executionStatus: string;
  status?: RunStatus;
  /** The workflow's result (completed runs). */
  result?: unknown;
  /** Why a closed run failed (one line). */
  failure?: { type?: string; message: string };
  /** Where the step table came from: a live query (needs a worker) or a closed run's result in its history. */
  source?: string;
  /**
   * Activities in flight: attempt, last heartbeat (progress of long steps), last failure, and the deadline when
   * it stops retrying and its step blocks (schedule-to-close, ISO).
   */
  activities: {
    type: string;
    attempt: number;
    state: string;
    heartbeat?: unknown;
    lastFailure?: string;
    deadline?: string;
  }[];
  uiUrl?: string;
}

export async function readRun(ctx: CliContext, found: FoundRun): Promise<RunView> {
  const { handle } = found;
  const d = await handle.describe();
  const view: RunView = {
    workflowId: d.workflowId,
    runId: d.runId,
    type: d.type,
    taskQueue: d.taskQueue,
    executionStatus: d.status.name,
    activities: pendingActivities(d),
    uiUrl: uiLink(ctx, d.workflowId, d.runId),
  };
  if (d.status.name === 'RUNNING') {
    view.status = await queryStatus(ctx, handle, d.taskQueue);
    view.source = `query answered by a worker of task queue ${d.taskQueue}`;
    return view;
  }
  view.source = "the closed run's result in its history (no worker needed)";
  try {
    const result = await handle.result();
    view.result = result;
    view.status = statusOfReport(result as RunReport, d.runId);
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : err;
    if (cause instanceof ApplicationFailure) {
      view.failure = { type: cause.type ?? undefined, message: cause.message };
      const report = cause.details?.[0] as RunReport | undefined;
      if (report && Array.isArray(report.steps)) view.status = statusOfReport(report, d.runId);
    } else {
      view.failure = { message: cause instanceof Error ? cause.message : String(cause) };
    }
  }
  return view;
}

function statusOfReport(report: RunReport, runId: string): RunStatus | undefined {
  if (!report || !Array.isArray(report.steps)) return undefined;
  return {
    runbook: report.runbook,
    pair: report.pair,
    runId,
    phase: report.outcome,
    steps: report.steps,
    audit: report.audit ?? [],
    startedAt: report.startedAt,
    endedAt: report.endedAt,
  };
}

// temporal.api.enums.v1.PendingActivityState
const PENDING_STATE: Record<number, string> = {
  1: 'scheduled',
  2: 'started',
  3: 'cancel-requested',
  4: 'paused',
  5: 'pause-requested',
};

function pendingActivities(d: WorkflowExecutionDescription): RunView['activities'] {
  return (d.raw.pendingActivities ?? []).map((a) => {
    let heartbeat: unknown;
    const payload = a.heartbeatDetails?.payloads?.[0];
    if (payload) {
      try {
        heartbeat = defaultPayloadConverter.fromPayload(payload as Payload);
      } catch {
        heartbeat = undefined;
      }
    }
    const state = PENDING_STATE[Number(a.state ?? 1)] ?? 'scheduled';
    return {
      type: a.activityType?.name ?? '?',
      attempt: a.attempt ?? 1,
      state,
      ...(heartbeat !== undefined ? { heartbeat } : {}),
      ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message } : {}),
      ...(a.expirationTime?.seconds
        ? { deadline: new Date(Number(a.expirationTime.seconds) * 1000).toISOString() }
        : {}),
    };
  });
}

/** The exit code that says where a run is: done, waiting for a human, or failed. */
export function exitCodeOf(view: RunView): number {
  if (view.executionStatus === 'RUNNING') {
    const phase = view.status?.phase;
    return waitsForOperator(phase) ? ExitCode.waiting : ExitCode.ok;
  }
  return view.executionStatus === 'COMPLETED' ? ExitCode.ok : ExitCode.failed;
}
