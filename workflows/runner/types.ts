// What a run shows about itself: the step table, the phase, what it waits for, and the audit trail.
// Plain data (no classes; one predicate on phases): returned by query `status`, embedded in results and failure details.

export type StepState = 'pending' | 'running' | 'succeeded' | 'blocked' | 'skipped' | 'aborted';

export interface StepRecord {
  name: string;
  title: string;
  skippable: boolean;
  state: StepState;
  /** Times the step was run (1 + operator retries); activity retries inside one run are not counted here. */
  attempts: number;
  /** Workflow time, ISO-8601. */
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  /** One line: what the step found or did. */
  summary?: string;
  lastError?: string;
}

export interface AuditEntry {
  /** Workflow time, ISO-8601. */
  at: string;
  /** Operator name, or "runbook" for decisions the workflow took itself (timeouts, automatic skips). */
  by: string;
  /** approve, reject, resolve:retry, resolve:skip, resolve:abort, skip, timeout, or a workflow-specific verb. */
  action: string;
  accepted: boolean;
  step?: string;
  planId?: string;
  /** Why a request was refused, or why the runbook decided as it did. */
  reason?: string;
  /** The operator's note, comment or reason, as given. */
  note?: string;
}

export interface ApprovalState {
  planId: string;
  required: number;
  approvedBy: string[];
  requestedBy?: string;
  allowList?: string[];
  /** Workflow time (ISO) when the approval wait aborts the run. */
  deadline: string;
  /** How approvers prove who they are: declared (a name) or signed (Ed25519, checked by the worker). */
  identity?: 'declared' | 'signed';
}

/** The phases of a run besides its steps' names (while a step runs, its name is the phase). */
export const RUN_PHASES = [
  'starting',
  'blocked',
  'awaiting-approval',
  'completed',
  'aborted',
  'rejected',
  'invalid-input',
] as const;
export type RunPhase = (typeof RUN_PHASES)[number];
export type Phase = RunPhase | (string & Record<never, never>);

/** Phases in which the run waits for a person: an approval, or a decision about a blocked step. */
export function waitsForOperator(phase: Phase | undefined): boolean {
  return phase === 'blocked' || phase === 'awaiting-approval';
}

export interface RunStatus {
  runbook: string;
  pair?: string;
  runId?: string;
  /** A step name while it runs, or one of: starting, blocked, awaiting-approval, completed, aborted, rejected. */
  phase: Phase;
  /** What the run waits for, e.g. "resolve on step ensure-connector", "approval: 0/1 for plan p-3f2a"; none when busy. */
  waitingFor?: string;
  steps: StepRecord[];
  approval?: ApprovalState;
  planId?: string;
  audit: AuditEntry[];
  startedAt: string;
  endedAt?: string;
}

/** Everything a finished (or aborted) run reports about itself; merged into workflow results. */
export interface RunReport {
  runbook: string;
  pair?: string;
  outcome: 'completed' | 'aborted' | 'rejected';
  steps: StepRecord[];
  audit: AuditEntry[];
  startedAt: string;
  endedAt: string;
}

export interface PlanView<P = unknown> {
  planId: string;
  plan: P;
  /** Present when the answer holds only some of the plan's groups (query `plan` with { offset, limit }, or a large plan). */
  page?: { offset: number; limit: number; total: number };
}

/** The `plan` query's argument: which groups to answer with (a 10,000-group plan is sent a page at a time). */
export interface PlanPageRequest {
  offset?: number;
  limit?: number;
}

/** Groups per answer of query `plan` when the caller does not say and the plan is large: ~0.5 MB at 8 partitions per group. */
export const PLAN_PAGE_GROUPS = 1000;
/**
 * Unasked, a plan up to this much JSON is answered whole, as before paging existed (the payload codec compresses it
 * ~10x, far below gRPC's 4 MB); above it (10,000 groups x 8 partitions is ~5 MB), a page of PLAN_PAGE_GROUPS.
 */
export const PLAN_WHOLE_BYTES = 4 * 1024 * 1024;

/** The page of `plan` a query asks for; a plan without a group list (or small enough, unasked) as it is. */
export function planPage<P>(planId: string, plan: P, request?: PlanPageRequest): PlanView<P> {
  const groups = (plan as { groups?: unknown }).groups;
  if (!Array.isArray(groups)) return { planId, plan };
  const asked = { offset: whole(request?.offset), limit: whole(request?.limit) };
  const unasked = asked.offset === undefined && asked.limit === undefined;
  if (unasked && (groups.length <= PLAN_PAGE_GROUPS || JSON.stringify(plan).length <= PLAN_WHOLE_BYTES))
    return { planId, plan };
  const offset = Math.max(0, asked.offset ?? 0);
  const limit = Math.max(1, asked.limit ?? PLAN_PAGE_GROUPS);
  return {
    planId,
    plan: { ...plan, groups: groups.slice(offset, offset + limit) },
    page: { offset, limit, total: groups.length },
  };
}

/**
 * A page bound from a query argument anyone can send: a number or a string of digits, else nothing. Never Number()
 * on an object: that calls its toString/valueOf (a TypeError, or a stack overflow on deeply nested arrays).
 */
function whole(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v);
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

/** Reply to the `resolveStep` update (the signal has no reply: read `status`). */
export interface ResolveOutcome {
  step: string;
  action: 'retry' | 'skip' | 'abort';
}
