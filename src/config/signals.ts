// Signal (and update) payloads. Kept small on purpose: every signal is stored in the workflow history.
import { z } from 'zod';
import { matching, oneOf, text } from './fields';

const who = text('the name of the operator', 128);

export const ApprovePayloadSchema = z.strictObject({
  by: who,
  planId: text('the planId shown by query "plan"', 128),
  comment: text('a comment', 500).optional(),
});

export const RejectPayloadSchema = z.strictObject({
  by: who,
  reason: text('the reason for rejecting', 500),
});

export const RESOLVE_ACTIONS = ['retry', 'skip', 'abort'] as const;

export const ResolvePayloadSchema = z.strictObject({
  action: oneOf(RESOLVE_ACTIONS),
  by: who,
  note: text('a note', 500).optional(),
  /** Optional guard: refuse unless this is the blocked step (protects against acting on a stale view). */
  step: matching(/^[a-z0-9][a-z0-9-]*$/, 'expected a step name as shown by query "status"').optional(),
});

export type ApprovePayload = z.input<typeof ApprovePayloadSchema>;
export type RejectPayload = z.input<typeof RejectPayloadSchema>;
export type ResolvePayload = z.input<typeof ResolvePayloadSchema>;
export type ResolveAction = (typeof RESOLVE_ACTIONS)[number];
