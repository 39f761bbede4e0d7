// What drWatch carries about an automatic failover and hands to the drFailover it starts: the probes' readings, the
// down clock, the at-risk estimate, the failover it started (at most once per down clock), the pause and the pause's
// audit. Pure (zod only). drFailover accepts `auto` only as the evidence of its parent watch: whether the policy may
// stand in for a person is decided from the worker's pairs file (activities/auto-failover.ts), never from this input.
import { z } from 'zod';
import { integer, oneOf, text } from './fields';
import { personName } from './identity';

export const ProbeReadingSchema = z.strictObject({
  probe: oneOf(['kafka', 'cloud', 'remote']),
  verdict: oneOf(['up', 'down', 'unknown']),
  at: integer(0),
  error: text('the probe error', 300).optional(),
});

export const AtRiskSchema = z.strictObject({
  records: integer(0).nullable(),
  seconds: integer(0).nullable(),
  basis: text('how the estimate was obtained', 600),
});

/** drFailover's `auto`: the evidence the watch acted on (shown in the audit trail and the notifications). */
export const AutoEvidenceSchema = z.strictObject({
  since: integer(0),
  evidence: z.array(ProbeReadingSchema).max(12),
  atRisk: AtRiskSchema,
});
export type AutoEvidence = z.output<typeof AutoEvidenceSchema>;

/** The failover the watch started for one down clock (the clock's `since`): never a second one for it. */
export const AutoStartedSchema = z.strictObject({
  since: integer(0),
  at: integer(0),
  workflowId: text('the workflow id', 256),
  /** What happened: started, or already running (someone else's failover of the pair). */
  outcome: oneOf(['started', 'already-running']),
});

export const AutoPauseSchema = z.strictObject({
  by: personName('who paused the automatic failover'),
  reason: text('why', 500).optional(),
  at: integer(0),
});

/** One pause or resume, accepted or refused (a resume by someone not listed, or unsigned on a signed pair). */
export const AutoAuditSchema = z.strictObject({
  at: integer(0),
  by: text('who', 128),
  action: oneOf(['pause', 'resume']),
  accepted: z.boolean(),
  reason: text('why', 600).optional(),
});

/** An alert the watch sent for one episode (the decision's kind and since when), so the next checks do not repeat it. */
export const AutoEpisodeSchema = z.strictObject({
  kind: oneOf(['held', 'partition', 'unsafe']),
  since: integer(0),
});
