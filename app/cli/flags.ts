// Flags are checked with the same schemas the workflows use, before anything is sent: a bad value is one line
// naming the FLAG (not the JSON field it becomes) and what is expected, exit 2.
import type { z } from 'zod';
import { validate } from '../../src/config';
import { InvalidArgumentError } from 'commander';
import { CliError, ExitCode } from './errors';

/** JSON field path (as validate() prints it) -> the flag that sets it. */
export type FlagNames = Record<string, string>;

export function checkFlags<S extends z.ZodType>(
  schema: S,
  value: unknown,
  flags: FlagNames,
  what: string,
): z.output<S> {
  const result = validate(schema, value, { what });
  if (result.ok) return result.value;
  const lines = result.issues.map((i) => {
    const flag = Object.entries(flags).find(
      ([path]) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`),
    )?.[1];
    return `${flag ?? i.path}: ${i.message}`;
  });
  throw new CliError(lines.join('; '), ExitCode.usage);
}

export const FAILOVER_FLAGS: FlagNames = {
  requestedBy: '--requested-by',
  groups: '--groups',
  drain: '--drain',
  'translation.operatorTimestamp': '--operator-timestamp',
  'approval.required': '--approvals',
  'switchover.quietWindow': '--quiet-window',
  'switchover.timeout': '--switchover-timeout',
  'switchover.guard': '--guard',
  dryRun: '--dry-run',
  pair: '<pair>',
};
export const SETUP_FLAGS: FlagNames = { requestedBy: '--requested-by', pair: '<pair>' };
export const DECISION_FLAGS: FlagNames = {
  by: '--by',
  reason: '--reason',
  note: '--note',
  step: '--step',
  comment: '--comment',
  planId: '--plan-id',
  action: '<action>',
};

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

export function commaList(value: string): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.length) throw new InvalidArgumentError('expected a comma-separated list of names');
  return list;
}
