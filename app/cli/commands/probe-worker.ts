// `kdr probe-worker --task-queue <q>`: runs the remote probe worker (app/probe-worker.ts) in the foreground, for a
// host in another network location than the kafka-dr worker. It runs until stopped (Ctrl-C).
import type { Command } from 'commander';
import { runProbeWorker } from '../../probe-worker';
import { CliError, ExitCode } from '../errors';
import type { CommandContext } from './context';

export function registerProbeWorker(program: Command, { globals, io, out }: CommandContext): void {
  program
    .command('probe-worker')
    .description(
      "run the remote probe worker of autoFailover.probes.remote: answers drWatch's probe of the primary from this host",
    )
    .addHelpText(
      'after',
      "\nThe task queue is the pairs file's autoFailover.probes.remote.taskQueue (never the kafka-dr worker's);\n" +
        "the pairs file is the same as the worker's ($KDR_PAIRS_FILE or --pairs-file).\n\n" +
        'Example:\n  $ kdr probe-worker --task-queue kdr-probe-b --pairs-file /etc/kafka-dr/pairs.jsonc\n',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      if (!g.taskQueue)
        throw new CliError("--task-queue is required: the probe worker's own task queue", ExitCode.usage);
      const env = g.pairsFile ? { ...io.env, KDR_PAIRS_FILE: g.pairsFile } : io.env;
      await runProbeWorker(g.taskQueue, env, out).catch((err: Error) => {
        if (err.name === 'ProbeWorkerConfigError' || err.name === 'PairsFileError')
          throw new CliError(err.message, ExitCode.usage);
        throw err;
      });
    });
}
