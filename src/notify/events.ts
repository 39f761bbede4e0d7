// What a run or a watch tells the worker about itself, for notifications and metrics. Plain data: built in
// workflow code (workflows import these types only), sent to the reportRunEvent / reportHealthChange activities.
// No secrets and no URLs: who gets paged is decided by the worker from its own pairs file.
import type { AutoFailoverEvent } from '../auto-failover/events';

export interface PlanBrief {
  groups: number;
  partitions: number;
  duplicateBound: number;
  untranslated: number;
  liveGroups: number;
}

export interface StepBrief {
  name: string;
  state: string;
  durationMs?: number;
  endedAt?: string;
}

interface Base {
  runbook: string;
  pair: string;
  /** The run was started with an inline config: its name may equal a pairs-file pair's, so nobody is paged. */
  inline?: boolean;
}

export type RunEvent = Base &
  (
    | {
        kind: 'approval-needed';
        step: string;
        planId: string;
        required: number;
        approvedBy: string[];
        allowList?: string[];
        requestedBy?: string;
        forbidSelfApproval?: boolean;
        identity?: 'declared' | 'signed';
        /** Workflow time (ISO) when the wait aborts the run. */
        deadline: string;
        plan?: PlanBrief;
      }
    | { kind: 'step-blocked'; step: string; title: string; error: string; skippable: boolean }
    | {
        kind: 'drill-failed';
        findings: string[];
        duplicateBound?: number;
        /** An evacuation's evaluation (runbook drEvaluateEvacuation, pair: the selection): the pairs that fail. */
        failing?: string[];
      }
    | { kind: 'evacuation-started'; select: string; requestedBy: string; pairs: string[]; dryRun: boolean }
    | {
        kind: 'run-completed' | 'run-aborted' | 'run-rejected';
        reason?: string;
        startedAt: string;
        endedAt: string;
        steps: StepBrief[];
      }
  );

export interface HealthChange {
  kind: 'health-changed';
  pair: string;
  from: string;
  to: string;
  why: string;
  /** Epoch ms (workflow time). */
  at: number;
}

export type KdrEvent = RunEvent | HealthChange | AutoFailoverEvent;

/** Where the event happened: filled in by the activity from its own context, never from input. */
export interface EventOrigin {
  workflowId: string;
  runId: string;
  namespace: string;
  /** The run's page in the Temporal UI, when the worker knows the UI's address (KDR_TEMPORAL_UI_URL). */
  uiUrl?: string;
}

/** What the workflow learns back: sent and failed targets, by label (type and variable name). */
export interface NotifyOutcome {
  sent: string[];
  failed: { target: string; error: string }[];
  /** Why nothing was sent when the pair has no targets the worker knows of. */
  note?: string;
}
