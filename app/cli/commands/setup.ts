// `kdr setup <pair>`: start drSetup (preflight, the sink connector, connector-verify, the CNAME on the primary).
import type { Command } from 'commander';
import { startSetup } from '../actions';
import { example } from '../help';
import type { CommandContext } from './context';

export function registerSetup(program: Command, c: CommandContext): void {
  program
    .command('setup')
    .argument('<pair>', 'a pair name from the pairs file')
    .description('start drSetup for a pair: preflight, the sink connector, connector-verify, the CNAME on the primary')
    .option('--requested-by <name>', 'who asks (recorded in the run)')
    .option('--watch', 'follow the run until it ends (like kdr status --watch)')
    .addHelpText('after', example('kdr setup local-kafka', 'kdr setup local-apsaramq --watch'))
    .action(async (pair: string, opts: { requestedBy?: string; watch?: boolean }, cmd: Command) => {
      c.checkPair(cmd, pair);
      await c.withTemporal(cmd, async (ctx) => {
        const run = await startSetup(ctx, pair, { requestedBy: opts.requestedBy });
        c.started(cmd, run, [`kdr status ${run.workflowId} --watch`]);
        if (opts.watch) c.setExit(await c.follow(ctx, cmd, run.workflowId, 1000));
      });
    });
}
