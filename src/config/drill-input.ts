// drDrill's input: one named pair from the worker's pairs file (a schedule runs it unattended, so no inline
// config: what a drill touches is decided by the worker's deployer alone). Pure (zod only).
import { z } from 'zod';
import { cronExpression, flag, matching } from './fields';
import { personName } from './identity';
import { PAIR_NAME, PAIR_NAME_EXPECTED } from './pair';

export const DrillInputSchema = z.strictObject({
  pair: matching(PAIR_NAME, PAIR_NAME_EXPECTED),
  /** false: the caller reports the findings itself (an evacuation's evaluation sends one message for every pair). */
  notify: flag().optional(),
});

export type DrillInput = z.output<typeof DrillInputSchema>;

/** What `kdr drill schedule` sends (checked before the schedule is created): the pair, when, and who. */
export const DrillScheduleSchema = z.strictObject({
  pair: matching(PAIR_NAME, PAIR_NAME_EXPECTED),
  cron: cronExpression(),
  by: personName('who schedules the drill'),
});
