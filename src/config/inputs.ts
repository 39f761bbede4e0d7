// Workflow inputs: ONE JSON object, as the Temporal UI's Start Workflow form sends it. Either `pair` names a pair
// from the worker's config file, or `config` carries a whole pair; the options sit next to it.
import { z } from 'zod';
import { ApprovalRequestSchema, RequestSignatureSchema } from './approval';
import { AutoEvidenceSchema } from './auto-failover-input';
import { crossCheck, duration, flag, integer, matching, operatorTimestamp } from './fields';
import { normaliseName, personName } from './identity';
import { PAIR_NAME, PAIR_NAME_EXPECTED, PairConfigSchema, selection } from './pair';

export const pairRef = {
  pair: matching(PAIR_NAME, PAIR_NAME_EXPECTED).optional(),
  config: PairConfigSchema.optional(),
};

export function exactlyOnePair(
  p: { pair?: unknown; config?: unknown },
  report: (path: PropertyKey[], message: string) => void,
) {
  if (p.pair === undefined && p.config === undefined) {
    report(
      ['pair'],
      'missing: give "pair" (the name of a pair in the worker\'s pairs file) or "config" (a whole pair config)',
    );
  } else if (p.pair !== undefined && p.config !== undefined) {
    report(['config'], 'give either "pair" or "config", not both');
  }
}

const SetupObject = z.strictObject({
  ...pairRef,
  requestedBy: personName('the operator starting the run').optional(),
  /** Start drWatch for the pair at the end (default): health and position snapshots; false leaves it to `kdr watch`. */
  watch: flag().default(true),
});
export const SetupInputSchema = SetupObject.check(crossCheck<z.input<typeof SetupObject>>(exactlyOnePair));

/** A margin longer than a week would re-read more than any retention keeps. */
export const MAX_MARGIN_MS = 7 * 86_400_000;

export const TranslationSchema = z.strictObject({
  /** Used when no better source (MM2 checkpoint, primary's committed offsets) answers for a partition. */
  operatorTimestamp: operatorTimestamp().optional(),
  /** Re-read margin before the translated time; never below the measured replication latency. */
  marginMs: integer(0, MAX_MARGIN_MS).optional(),
});

/** A planned switchover (the primary answers): how the run waits for the applications to leave the primary. */
export const SwitchoverSchema = z.strictObject({
  /** The primary is quiet when no partition's log end moved for this long and no planned group has members. */
  quietWindow: duration(1_000, 600_000).default(10_000),
  /** How long the run waits for the primary to go quiet and replication to complete before it blocks. */
  timeout: duration(10_000, 86_400_000).default(900_000),
  /** After the switch: how long the guard watches the groups' commits for stale clients (0 = no guard). */
  guard: duration(0, 86_400_000).default(300_000),
});

const FailoverObject = z.strictObject({
  ...pairRef,
  requestedBy: personName('the operator requesting the failover'),
  dryRun: flag().default(false),
  groups: selection('consumer group').optional(),
  translation: TranslationSchema.default({}),
  /** Only tightens the pair's own approval policy (pairs file): more approvals, a shorter timeout, fewer approvers. */
  approval: ApprovalRequestSchema.default({}),
  /** Signed pairs: the requester's signature over the request (kdr --key); unsigned, one approval more is required. */
  requestSignature: RequestSignatureSchema.optional(),
  /** Internal: set by drFailback on its switch-back drFailover only (refused on a run that has no parent). */
  requesterProven: z
    .literal(true, { error: 'is internal (drFailback sets it on its switch-back); sign the request instead' })
    .optional(),
  /** Internal: set by drEvacuate on its member failovers (refused on a run that has no parent). */
  evacuation: z
    .literal(true, { error: 'is internal (drEvacuate sets it on its members); start kdr evacuate instead' })
    .optional(),
  /** true: drain then pause the connector; false: never; "auto": only when the primary answers. */
  drain: z.union([flag(), z.literal('auto')], { error: 'expected true, false or "auto"' }).default('auto'),
  switchover: SwitchoverSchema.default(SwitchoverSchema.parse({})),
  /**
   * Switch back: the pair the other way round (the old secondary as the source, the old primary as the target,
   * over the reverse replication drFailback's re-protect set up). Every guarantee of a forward failover holds.
   */
  reverse: flag().default(false),
  /**
   * Internal: set by drWatch on the failover its automatic failover policy starts. "outage": the run expects the
   * primary down and aborts, changing nothing, if it answers (an automatic failover is never a switchover).
   */
  mode: z.literal('outage', { error: "is internal (set by drWatch's automatic failover): leave it out" }).optional(),
  /** Internal: the watch's evidence (down clock, probes, at-risk estimate); it never grants an approval by itself. */
  auto: AutoEvidenceSchema.optional(),
});

type FailoverDraft = z.input<typeof FailoverObject>;

export const FailoverInputSchema = FailoverObject.check(
  crossCheck<FailoverDraft>((f, report) => {
    exactlyOnePair(f, report);
    const a = f.approval;
    if (!a || typeof a !== 'object' || !Array.isArray(a.allowList)) return;
    const allowed = new Set(a.allowList.filter((n) => typeof n === 'string').map(normaliseName));
    if (a.forbidSelfApproval !== false && typeof f.requestedBy === 'string')
      allowed.delete(normaliseName(f.requestedBy));
    const required = typeof a.required === 'number' ? a.required : 1;
    if (allowed.size < required) {
      report(
        ['approval', 'allowList'],
        `names ${allowed.size} possible approver(s) but ${required} approval(s) are required` +
          (a.forbidSelfApproval !== false ? ' (the requester may not approve their own failover)' : ''),
      );
    }
  }),
);

export type SetupInput = z.output<typeof SetupInputSchema>;
export type FailoverInput = z.output<typeof FailoverInputSchema>;
export type ApprovalRequestInput = z.input<typeof ApprovalRequestSchema>;
