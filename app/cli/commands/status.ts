// `kdr status <run>`: the step table of a run (a workflow id, or a pair's current run), once or until it ends.
import type { Command } from 'commander';
import { positiveInt } from '../flags';
import { example } from '../help';
import { renderRun } from '../render';
import { findRun } from '../temporal';
import { exitCodeOf, readRun } from '../run-view';
import type { CommandContext } from './context';

export function registerStatus(program: Command, c: CommandContext): void {
  program
    .command('status')
    .argument('<run>', 'workflow id, or pair name (its current run)')
    .description('the step table of a run: state, attempts, timings, summaries, what it waits for, recent decisions')
    .option('--watch', 'refresh until the run ends (progress of long steps: elapsed time, activity heartbeats)')
    .option('--interval <seconds>', 'refresh period with --watch', (v) => positiveInt(v), 1)
    .addHelpText(
      'after',
      example(
        'kdr status local-kafka',
        'kdr status dr-failover-local-kafka --watch',
        'kdr status dr-setup-local-kafka --json | jq .status.phase',
      ),
    )
    .action(async (run: string, opts: { watch?: boolean; interval: number }, cmd: Command) => {
      await c.withTemporal(cmd, async (ctx) => {
        const found = await findRun(ctx, run);
        if (opts.watch) {
          c.setExit(await c.follow(ctx, cmd, found.description.workflowId, opts.interval * 1000));
          return;
        }
        const view = await readRun(ctx, found);
        c.print(cmd, view, () => renderRun(view));
        c.setExit(exitCodeOf(view));
      });
    });
}
