// Signal (and update) payloads. Kept small on purpose: every signal is stored in the workflow history.
// Names are checked (NFKC, no invisible characters); free text refuses control and zero-width characters.
import { z } from 'zod';
import { matching, oneOf } from './fields';
import { operatorText, personName } from './identity';
import { bounded, SIGNAL_BOUNDS } from './bounds';

const who = personName('the name of the operator', 128);

/** An Ed25519 signature: 64 bytes in base64. */
export const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
const SIGNED_AT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z$/;

export const ApprovePayloadSchema = z
  .strictObject({
    by: who,
    planId: matching(/^[0-9a-z-]{1,64}$/, 'expected the planId shown by query "plan" (letters, digits and "-")'),
    comment: operatorText('a comment', 500).optional(),
    /** signed identity: the Ed25519 signature `kdr approve` makes over (pair, run, planId, by, signedAt). */
    signature: matching(
      SIGNATURE,
      'expected the base64 Ed25519 signature kdr approve makes (88 characters)',
    ).optional(),
    signedAt: matching(
      SIGNED_AT,
      'expected the UTC time the approval was signed, e.g. "2026-01-31T12:00:00.000Z"',
    ).optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.signature === undefined) !== (p.signedAt === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [p.signature === undefined ? 'signature' : 'signedAt'],
        input: undefined,
        message: 'signature and signedAt go together: sign with kdr approve --key <private key>',
      });
    }
  });

/**
 * Signed pairs: reject, resolve and stopWatch carry a signature too (`kdr reject|resolve|watch --stop --key`), made
 * over their own purpose so an approval's signature is never accepted as a reject (src/security/approval-signature.ts).
 */
const decisionProof = {
  signature: matching(
    SIGNATURE,
    'expected the base64 Ed25519 signature kdr makes with --key (88 characters)',
  ).optional(),
  signedAt: matching(
    SIGNED_AT,
    'expected the UTC time the decision was signed, e.g. "2026-01-31T12:00:00.000Z"',
  ).optional(),
};

export const RejectPayloadSchema = z.strictObject({
  by: who,
  reason: operatorText('the reason for rejecting', 500),
  ...decisionProof,
});

export const RESOLVE_ACTIONS = ['retry', 'skip', 'abort'] as const;

export const ResolvePayloadSchema = z.strictObject({
  action: oneOf(RESOLVE_ACTIONS),
  by: who,
  note: operatorText('a note', 500).optional(),
  /** Optional guard: refuse unless this is the blocked step (protects against acting on a stale view). */
  step: matching(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected a step name as shown by query "status"').optional(),
  ...decisionProof,
});

/** Stop drWatch (signal `stopWatch`); cancelling the run stops it too. */
export const StopWatchPayloadSchema = z.strictObject({
  by: who,
  reason: operatorText('the reason for stopping the watch', 500).optional(),
  ...decisionProof,
});

/**
 * Pause or resume drWatch's automatic failover (signals pauseAutoFailover, resumeAutoFailover; kdr auto). A pause
 * only tightens: anyone may. A resume returns to the pairs file's policy: listed approvers only, signed on a signed pair.
 */
export const AutoControlPayloadSchema = z.strictObject({
  by: who,
  reason: operatorText('why the automatic failover is paused or resumed', 500).optional(),
  ...decisionProof,
});

// The size guard runs before each of these schemas with the signal bounds (a few short fields), not the input ones.
for (const schema of [
  ApprovePayloadSchema,
  RejectPayloadSchema,
  ResolvePayloadSchema,
  StopWatchPayloadSchema,
  AutoControlPayloadSchema,
])
  bounded(schema, SIGNAL_BOUNDS);

export type ApprovePayload = z.input<typeof ApprovePayloadSchema>;
export type StopWatchPayload = z.input<typeof StopWatchPayloadSchema>;
export type AutoControlPayload = z.input<typeof AutoControlPayloadSchema>;
export type RejectPayload = z.input<typeof RejectPayloadSchema>;
export type ResolvePayload = z.input<typeof ResolvePayloadSchema>;
export type ResolveAction = (typeof RESOLVE_ACTIONS)[number];
