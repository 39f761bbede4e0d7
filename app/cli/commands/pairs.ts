// `kdr pairs`: the pairs of the pairs file, the state of their last runs and where each is in its DR cycle.
import type { Command } from 'commander';
import { example } from '../help';
import { describeDeadLetter, describeRun, pairStates, readPairs } from '../pairs';
import { table } from '../render';
import type { CommandContext } from './context';

export function registerPairs(program: Command, c: CommandContext): void {
  program
    .command('pairs')
    .description(
      'list the configured DR pairs, the state of their last setup, failover and failback runs, and where each pair is in its DR cycle',
    )
    .addHelpText('after', example('kdr pairs', 'KDR_PAIRS_FILE=/etc/kdr/pairs.jsonc kdr pairs --json'))
    .action(async (_opts, cmd: Command) => {
      const loaded = readPairs(c.pairsFile(cmd));
      const states = await c.withTemporal(cmd, (ctx) => pairStates(ctx.client, [...loaded.pairs.values()]));
      c.print(cmd, { pairsFile: loaded.path, pairs: states }, () =>
        [
          `Pairs in ${loaded.path}:`,
          '',
          table(
            ['PAIR', 'PRIMARY -> SECONDARY', 'REPLICATION', 'CUSTOM DOMAIN', 'LAST SETUP', 'LAST FAILOVER', 'FIDELITY'],
            states.map((s) => [
              s.name,
              `${s.primary.split(' ')[0]} -> ${s.secondary.split(' ')[0]}`,
              s.replication,
              s.domain,
              describeRun(s.setup),
              describeRun(s.failover),
              s.fidelity?.short ?? 'unmeasured',
            ]),
          ),
          ...states.flatMap((s) =>
            s.running.map((r) => `  ${s.name}: also running ${r.type} ${r.workflowId} (${r.phase ?? 'starting'})`),
          ),
          ...states.flatMap((s) =>
            s.failback ? [`  ${s.name}: last failback ${s.failback.workflowId} ${describeRun(s.failback)}`] : [],
          ),
          ...states.flatMap((s) => (s.deadLetter ? [`  ${s.name}: ${describeDeadLetter(s.deadLetter)}`] : [])),
          ...states.flatMap((s) => (s.identity.warning ? [`  ${s.name}: WARNING ${s.identity.warning}`] : [])),
          ...states.map((s) => `  ${s.name}: automatic failover ${s.autoFailover}`),
          ...states.map(
            (s) =>
              `  ${s.name}: ${s.where.stage} (clients on the ${s.where.active}, replication ${s.where.replication}; per ${s.where.from})`,
          ),
        ].join('\n'),
      );
    });
}
