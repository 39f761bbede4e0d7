// `kdr resolve <run> retry|skip|abort`: decide about a blocked step.
import { InvalidArgumentError, type Command } from 'commander';
import { RESOLVE_ACTIONS, type ResolveAction } from '../../../src/config';
import { resolve } from '../actions';
import { example } from '../help';
import { APPROVER_KEY_ENV } from '../signing';
import type { CommandContext } from './context';

export function registerResolve(program: Command, c: CommandContext): void {
  program
    .command('resolve')
    .argument('<run>', 'workflow id, or pair name (its current run)')
    .argument('<action>', 'retry (after fixing the cause), skip (skippable steps only) or abort', (v: string) => {
      if (!(RESOLVE_ACTIONS as readonly string[]).includes(v))
        throw new InvalidArgumentError(`expected one of ${RESOLVE_ACTIONS.join(', ')}`);
      return v as ResolveAction;
    })
    .description('decide about a blocked step: retry it, skip it or abort the run')
    .requiredOption('--by <name>', 'who decides')
    .option('--note <text>', 'why (recorded in the audit trail)')
    .option('--step <name>', 'act only if this is the blocked step (guards against a stale view)')
    .option('--key <file>', 'signed pairs: sign the decision with your Ed25519 private key (default $KDR_APPROVER_KEY)')
    .addHelpText(
      'after',
      example(
        'kdr resolve dr-setup-local-kafka retry --by alice --note "topic created"',
        'kdr resolve local-kafka abort --by alice --note "wrong pair"',
      ),
    )
    .action(
      async (
        run: string,
        action: ResolveAction,
        opts: { by: string; note?: string; step?: string; key?: string },
        cmd: Command,
      ) => {
        await c.withTemporal(cmd, async (ctx) => {
          const d = await resolve(
            ctx,
            run,
            {
              action,
              by: opts.by,
              ...(opts.note ? { note: opts.note } : {}),
              ...(opts.step ? { step: opts.step } : {}),
            },
            opts.key ?? c.io.env[APPROVER_KEY_ENV],
          );
          c.print(
            cmd,
            d,
            () =>
              `${action} accepted for step ${d.step} of ${d.workflowId}; follow it: kdr status ${d.workflowId} --watch`,
          );
        });
      },
    );
}
