// drWatch's input: the pair (by name, or inline), and the state a previous run handed over at continue-as-new.
// Pure (zod only): the workflow validates it.
import { z } from 'zod';
import { crossCheck, integer, oneOf, text } from './fields';
import { exactlyOnePair, pairRef } from './inputs';
import {
  AutoAuditSchema,
  AutoEpisodeSchema,
  AutoPauseSchema,
  AutoStartedSchema,
  ProbeReadingSchema,
} from './auto-failover-input';

export const HEALTH_VALUES = ['unknown', 'healthy', 'degraded', 'broken'] as const;

const Transition = z.strictObject({
  at: integer(0),
  from: oneOf(HEALTH_VALUES),
  to: oneOf(HEALTH_VALUES),
  why: text('why the health changed', 600),
});

/** The automatic failover decision of the last check, its down clock and the last measurement of both sides. */
export const AutoWatchStateSchema = z.strictObject({
  decision: oneOf(['healthy', 'suspect', 'down-confirmed', 'hold-for-human', 'alert-partition', 'never']),
  why: text('the decision in words', 600),
  clock: z.strictObject({ since: integer(0), evidence: z.array(ProbeReadingSchema).max(6) }).optional(),
  measured: z.strictObject({ at: integer(0), lagRecords: integer(0), latencyMs: integer(0) }).optional(),
  /** Every probe's reading of the last check (kafka, cloud, remote). */
  readings: z.array(ProbeReadingSchema).max(3).optional(),
  /** The failover the watch started (or found running) for a down clock: at most one per clock. */
  started: AutoStartedSchema.optional(),
  /** `kdr auto pause`: the watch decides but does not act until `kdr auto resume`. */
  paused: AutoPauseSchema.optional(),
  audit: z.array(AutoAuditSchema).max(10).optional(),
  /** The alert already sent for the current episode (held, partition, unsafe). */
  alerted: AutoEpisodeSchema.optional(),
});
export type AutoWatchState = z.output<typeof AutoWatchStateSchema>;

/** Carried across continue-as-new so the health's "since" and the canary's schedule survive a new run. */
export const WatchStateSchema = z.strictObject({
  health: oneOf(HEALTH_VALUES),
  since: integer(0),
  why: text('why the watch has this health', 600),
  startedAt: integer(0),
  ticks: integer(0),
  runs: integer(1),
  lastCanaryAt: integer(0).optional(),
  transitions: z.array(Transition).max(20, 'expected at most 20 transitions'),
  /** Pairs with autoFailover enabled: the down clock must survive continue-as-new too. */
  auto: AutoWatchStateSchema.optional(),
});

const WatchObject = z.strictObject({
  ...pairRef,
  /** Checks per run before it continues as new (default 500, well below 10,000 history events). */
  continueAsNewEvery: integer(1, 500).optional(),
  /** Internal: set by the watch itself when it continues as new. */
  state: WatchStateSchema.optional(),
});

/**
 * What a drWatch run continued as new receives from its predecessor: the public input plus the carried state.
 * drWatch accepts it only when Temporal says the run continues another (workflowInfo().continuedFromExecutionRunId):
 * a starter cannot set that, so the carried state (e.g. when the last canary ran) is never a user input.
 */
export const WatchInputSchema = WatchObject.check(crossCheck<z.input<typeof WatchObject>>(exactlyOnePair));

const WatchStartObject = z.strictObject({
  ...pairRef,
  continueAsNewEvery: WatchObject.shape.continueAsNewEvery,
  state: z
    .never({
      error:
        'is internal: only the watch itself carries its state over when it continues as new; start the watch without it',
    })
    .optional(),
});

/** What starting drWatch accepts (kdr watch, drSetup, a Temporal client): the pair and the checks per run, nothing else. */
export const WatchStartSchema = WatchStartObject.check(crossCheck<z.input<typeof WatchStartObject>>(exactlyOnePair));

export type WatchInput = z.output<typeof WatchInputSchema>;
export type WatchState = z.output<typeof WatchStateSchema>;
export type HealthValue = (typeof HEALTH_VALUES)[number];
