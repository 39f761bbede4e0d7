// drFailback's input: the pair, who asks, which stages to run, where the unreplicated tail goes. Pure (zod only).
import { z } from 'zod';
import { ApprovalRequestSchema } from './approval';
import { crossCheck, integer, listOf, matching } from './fields';
import { personName } from './identity';
import { exactlyOnePair, pairRef } from './inputs';

/** In runbook order. Switching back is not built yet: it needs drFailover in the reverse direction under the pair's own policy. */
export const FAILBACK_STAGES = ['assess', 'export', 're-protect'] as const;
export type FailbackStage = (typeof FAILBACK_STAGES)[number];

const STAGE_EXPECTED = `expected one of ${FAILBACK_STAGES.map((s) => JSON.stringify(s)).join(', ')}`;

const FailbackObject = z.strictObject({
  ...pairRef,
  requestedBy: personName('the operator requesting the failback'),
  /** Stages to run (default all); assess always runs, it changes nothing and every later stage needs it. */
  stages: listOf(z.string({ error: STAGE_EXPECTED }), 'stages').optional(),
  /** The export topic of `<topic>` is `<topic><exportSuffix>` on the active side. */
  exportSuffix: matching(/^[._-][A-Za-z0-9._-]{1,60}$/, 'expected a topic-name suffix starting with ".", "_" or "-", e.g. ".kdr-unreplicated"').default('.kdr-unreplicated'),
  /** Records read per partition on either side when looking for the tail. */
  scanLimit: integer(100, 1_000_000).optional(),
  /** Only tightens the pair's own approval policy. */
  approval: ApprovalRequestSchema.default({}),
});

export const FailbackInputSchema = FailbackObject.check(crossCheck<z.input<typeof FailbackObject>>((f, report) => {
  exactlyOnePair(f, report);
  for (const [i, s] of (Array.isArray(f.stages) ? f.stages : []).entries()) {
    if (s === 'switch-back') {
      report(['stages', i], 'switch-back is not built yet: after re-protect, switch back with a planned switchover by hand ' +
        '(docs/operator-guide.md, "Fail back"); remove it from stages');
    } else if (!(FAILBACK_STAGES as readonly unknown[]).includes(s)) report(['stages', i], `${STAGE_EXPECTED}, got ${JSON.stringify(s)}`);
  }
}));

export type FailbackInput = z.output<typeof FailbackInputSchema>;

/** The workflow id of a pair's failback: one per pair. */
export function failbackWorkflowId(pair: string): string {
  return `dr-failback-${pair}`;
}
