// `kdr verify <pair>`: start drVerify and wait for it: canary, lag and the fidelity profile; changes nothing.
import type { Command } from 'commander';
import { startVerify } from '../actions';
import { ExitCode } from '../errors';
import { example } from '../help';
import { describeDeadLetter } from '../pairs';
import { table } from '../render';
import type { CommandContext } from './context';

interface VerifyResult {
  pair: string;
  replication: string;
  ok: boolean;
  summary: string;
  fidelitySummary: string;
  /** EventBridge pairs: the dead-letter topic on the secondary and the records in it when verified. */
  deadLetter?: { topic: string; records: number };
  fidelity: {
    measured: boolean;
    partitionPreserved: boolean;
    orderPreserved: boolean;
    timestampPreserved: boolean;
    keyValueIdentical: boolean;
    headersPreserved: boolean;
  };
}

export function registerVerify(program: Command, c: CommandContext): void {
  program
    .command('verify')
    .argument('<pair>', 'a pair name from the pairs file')
    .description(
      'start drVerify for a pair and wait for it: canary records through the replicator, lag, and the fidelity profile ' +
        '(partition, order, timestamp, key/value, headers kept or not) that failover plans rely on; changes nothing',
    )
    .option('--requested-by <name>', 'who asks (recorded in the run)')
    .option('--fidelity', 'print the fidelity profile property by property; exit 1 when it could not be measured')
    .addHelpText('after', example('kdr verify local-apsaramq --fidelity', 'kdr verify local-kafka --json'))
    .action(async (pair: string, opts: { requestedBy?: string; fidelity?: boolean }, cmd: Command) => {
      c.checkPair(cmd, pair);
      await c.withTemporal(cmd, async (ctx) => {
        const run = await startVerify(ctx, pair, { requestedBy: opts.requestedBy });
        if (!c.globals(cmd).json)
          c.io.err(
            `Started drVerify ${run.workflowId} (run ${run.runId})${run.uiUrl ? `: ${run.uiUrl}` : ''}; waiting for the canary…`,
          );
        const result = (await ctx.client.workflow.getHandle(run.workflowId, run.runId).result()) as VerifyResult;
        const f = result.fidelity;
        c.print(cmd, { run, ...result }, () =>
          [
            `pair ${result.pair} (${result.replication}): ${result.ok ? 'within thresholds' : 'OUTSIDE thresholds'}: ${result.summary}`,
            `fidelity: ${result.fidelitySummary}`,
            ...(result.deadLetter ? [describeDeadLetter(result.deadLetter)] : []),
            ...(opts.fidelity
              ? [
                  table(
                    ['PROPERTY', 'KEPT'],
                    [
                      ['partition', f.partitionPreserved],
                      ['order within a partition', f.orderPreserved],
                      ['timestamp (CreateTime)', f.timestampPreserved],
                      ['key and value', f.keyValueIdentical],
                      ['headers', f.headersPreserved],
                    ].map(([k, v]) => [String(k), f.measured ? (v ? 'yes' : 'no') : 'unmeasured']),
                  ),
                ]
              : []),
          ].join('\n'),
        );
        if (opts.fidelity && !f.measured) c.setExit(ExitCode.failed);
      });
    });
}
