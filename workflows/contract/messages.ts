// Signals, queries and updates of every runbook workflow: defined once, used by the workflows, kdr and tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApprovePayload,
  AutoControlPayload,
  RejectPayload,
  ResolvePayload,
  StopWatchPayload,
} from '../../src/config';
import type { PlanPageRequest, PlanView, ResolveOutcome, RunStatus } from '../runner/types';
import type { ShownPlan } from '../../src/plan/model';
import type { WatchStatus } from '../watch-view';

export type {
  ApprovePayload,
  AutoControlPayload,
  RejectPayload,
  ResolvePayload,
  StopWatchPayload,
} from '../../src/config';
export type * from '../runner/types';

/** Approve the current plan: `{ by, planId, comment? }`. Refusals (self-approval, stale plan ...) are audited. */
export const approveSignal = defineSignal<[ApprovePayload]>('approve');
/** Reject the current plan; the run ends with nothing changed: `{ by, reason }`. */
export const rejectSignal = defineSignal<[RejectPayload]>('reject');
/** Stop drWatch: `{ by, reason? }`. The run ends completed, with its last health. */
export const stopWatchSignal = defineSignal<[StopWatchPayload]>('stopWatch');
/** drWatch: stop acting on the automatic failover policy (it still decides and shows why): `{ by, reason? }`. */
export const pauseAutoFailoverSignal = defineSignal<[AutoControlPayload]>('pauseAutoFailover');
/** drWatch: back to the pairs file's policy; listed approvers only (signed pairs: kdr auto resume --key). */
export const resumeAutoFailoverSignal = defineSignal<[AutoControlPayload]>('resumeAutoFailover');
/** drWatch's health, since when and why, the last measurements and snapshot. */
export const watchQuery = defineQuery<WatchStatus>('watch');
/** Decide about a blocked step: `{ action: 'retry' | 'skip' | 'abort', by, note?, step? }`. */
export const resolveSignal = defineSignal<[ResolvePayload]>('resolve');

/** Same as the `resolve` signal, but an invalid request is rejected back to the caller at once (not audited). */
export const resolveUpdate = defineUpdate<ResolveOutcome, [ResolvePayload]>('resolveStep');

/** The step table, phase, what the run waits for, approvals and the audit trail. */
export const statusQuery = defineQuery<RunStatus>('status');
/** The current plan (drFailover), or null before there is one. */
export const planQuery = defineQuery<PlanView<ShownPlan> | null, [PlanPageRequest?]>('plan');
