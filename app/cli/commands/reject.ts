// `kdr reject <run>`: reject a failover's plan; the run ends and nothing is changed.
import type { Command } from 'commander';
import { reject } from '../actions';
import { example } from '../help';
import { APPROVER_KEY_ENV } from '../signing';
import type { CommandContext } from './context';

export function registerReject(program: Command, c: CommandContext): void {
  program
    .command('reject')
    .argument('<run>', 'workflow id, or pair name (its current run)')
    .description('reject the plan of a failover: the run ends and nothing is changed')
    .requiredOption('--by <name>', 'who rejects')
    .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
    .option('--key <file>', 'signed pairs: sign the reject with your Ed25519 private key (default $KDR_APPROVER_KEY)')
    .addHelpText(
      'after',
      example('kdr reject dr-failover-local-kafka --by bob --reason "primary is back, no failover"'),
    )
    .action(async (run: string, opts: { by: string; reason: string; key?: string }, cmd: Command) => {
      await c.withTemporal(cmd, async (ctx) => {
        const d = await reject(ctx, run, { by: opts.by, reason: opts.reason }, opts.key ?? c.io.env[APPROVER_KEY_ENV]);
        c.decided(cmd, d, `rejected ${d.workflowId} as ${d.by}: the run ends and nothing was changed`);
      });
    });
}
