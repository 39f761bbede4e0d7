// drFailback's input: the pair, who asks, which stages to run, where the unreplicated tail goes. Pure (zod only).
import { z } from 'zod';
import { ApprovalRequestSchema, RequestSignatureSchema } from './approval';
import { crossCheck, integer, listOf, matching } from './fields';
import { personName } from './identity';
import { exactlyOnePair, pairRef, SwitchoverSchema } from './inputs';

/** In runbook order. */
export const FAILBACK_STAGES = ['assess', 'export', 're-protect', 'switch-back'] as const;
export type FailbackStage = (typeof FAILBACK_STAGES)[number];
/**
 * Without `stages`: everything up to re-protect. Switching back moves the applications (producers restart, consumers
 * stop during the drain), so it runs only when asked for, typically days later, once the old primary has proven itself.
 */
export const DEFAULT_FAILBACK_STAGES: readonly FailbackStage[] = ['assess', 'export', 're-protect'];

const STAGE_EXPECTED = `expected one of ${FAILBACK_STAGES.map((s) => JSON.stringify(s)).join(', ')}`;

const FailbackObject = z.strictObject({
  ...pairRef,
  requestedBy: personName('the operator requesting the failback'),
  /** Stages to run (default all); assess always runs, it changes nothing and every later stage needs it. */
  stages: listOf(z.string({ error: STAGE_EXPECTED }), 'stages').optional(),
  /** The export topic of `<topic>` is `<topic><exportSuffix>` on the active side. */
  exportSuffix: matching(
    /^[._-][A-Za-z0-9._-]{1,60}$/,
    'expected a topic-name suffix starting with ".", "_" or "-", e.g. ".kdr-unreplicated"',
  ).default('.kdr-unreplicated'),
  /** Records read per partition on either side when looking for the tail. */
  scanLimit: integer(100, 1_000_000).optional(),
  /** Only tightens the pair's own approval policy (the failback's and the switch-back's). */
  approval: ApprovalRequestSchema.default({}),
  /** Signed pairs: the requester's signature over the request (kdr --key); unsigned, one approval more is required. */
  requestSignature: RequestSignatureSchema.optional(),
  /** The switch-back's drain and guard (drFailover's `switchover`); its defaults otherwise. */
  switchover: SwitchoverSchema.optional(),
});

export const FailbackInputSchema = FailbackObject.check(
  crossCheck<z.input<typeof FailbackObject>>((f, report) => {
    exactlyOnePair(f, report);
    for (const [i, s] of (Array.isArray(f.stages) ? f.stages : []).entries()) {
      if (!(FAILBACK_STAGES as readonly unknown[]).includes(s))
        report(['stages', i], `${STAGE_EXPECTED}, got ${JSON.stringify(s)}`);
    }
  }),
);

export type FailbackInput = z.output<typeof FailbackInputSchema>;
