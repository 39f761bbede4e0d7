// How long each step may keep retrying before it blocks for an operator, per pair. The runbooks' defaults
// (workflows/activity-options.ts) suit the local stack and most estates; a pair whose cloud calls are slow, or
// whose SREs want to be called sooner, sets its own, e.g. "deadlines": { "reset-offsets": "2h", "switch-cname": "5m" }.
import { z } from 'zod';
import { duration } from './fields';

/** The steps of drSetup, drFailover, drVerify and drFailback whose activities a deadline bounds. */
export const STEPS_WITH_DEADLINES = [
  'load-pair',
  'not-failed-over',
  'preflight',
  'ensure-connector',
  'wait-running',
  'connector-verify',
  'ensure-cname',
  'assess',
  'plan',
  'freeze',
  'reset-offsets',
  'switch-cname',
  'drain',
  'final-plan',
  'apply-final',
  'guard',
  'verify',
  'failed-over',
  'export',
  'pause-forward',
  'clear-old-primary',
  'ensure-reverse',
  'reverse-verify',
  'restore-forward',
  'forward-verify',
] as const;

const MIN = 60_000;
const MAX = 48 * 3_600_000;

export const DeadlinesSchema = z.record(z.string(), duration(MIN, MAX));

/** Why `step` cannot have a deadline (checked with the pair's other cross-field rules), or undefined. */
export function unknownStep(step: string): string | undefined {
  return (STEPS_WITH_DEADLINES as readonly string[]).includes(step)
    ? undefined
    : `no step is named "${step}"; steps with deadlines: ${STEPS_WITH_DEADLINES.join(', ')}`;
}

export type Deadlines = z.output<typeof DeadlinesSchema>;
