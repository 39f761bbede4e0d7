// The `kdr` command line (commander): the global flags, the context every command gets, and the wiring of the
// commands (app/cli/commands/, one file each); runCli runs it with one-line errors and documented exit codes.
import * as os from 'node:os';
import { Command, CommanderError } from 'commander';
import { temporalTarget } from '../temporal-connection';
import type { Decision, StartedRun } from './actions';
import * as commands from './commands';
import type { CommandContext, GlobalOptions, Io, KdrCommand } from './commands/context';
import { ExitCode } from './errors';
import { example, EXIT_CODES_HELP } from './help';
import { checkPairName, pairsFileLocation, readPairs } from './pairs';
import { CLEAR_SCREEN, renderRun, terminalOutput } from './render';
import { connect, explain, findRun, type CliContext } from './temporal';
import { exitCodeOf, readRun, type RunView } from './run-view';

export type { Io } from './commands/context';
export { applyHint } from './commands/plan';

function defaultOperator(env: NodeJS.ProcessEnv): string {
  try {
    return env.KDR_OPERATOR ?? env.USER ?? os.userInfo().username;
  } catch {
    return 'operator';
  }
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('kdr');
  const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  const print = (cmd: Command, json: unknown, human: () => string) => {
    io.out(globals(cmd).json ? JSON.stringify(json, null, 2) : human());
  };
  const pairsFile = (cmd: Command) => pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env);

  async function withTemporal<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
    const ctx = await connect({ env: io.env, taskQueue: globals(cmd).taskQueue });
    try {
      return await fn(ctx);
    } catch (err) {
      throw explain(err, ctx);
    } finally {
      await ctx.close();
    }
  }

  async function follow(ctx: CliContext, cmd: Command, workflowId: string, everyMs: number): Promise<number> {
    const json = globals(cmd).json;
    let last = '';
    for (;;) {
      const view: RunView = await readRun(ctx, await findRun(ctx, workflowId));
      const key = JSON.stringify({ ...view, uiUrl: undefined });
      if (io.isTTY && !json) {
        io.out(
          `${CLEAR_SCREEN}${renderRun(view)}\n\n(refreshing every ${everyMs / 1000}s, Ctrl-C stops watching; the run goes on)`,
        );
      } else if (key !== last) {
        io.out(json ? JSON.stringify(view) : `${renderRun(view)}\n`);
      }
      last = key;
      if (view.executionStatus !== 'RUNNING') return exitCodeOf(view);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  const context: CommandContext = {
    io,
    setExit,
    globals,
    print,
    out: (text) => io.out(text),
    err: (text) => io.err(text),
    withTemporal,
    checkPair: (cmd, pair) => {
      checkPairName(pairsFile(cmd), pair);
    },
    pairsFile,
    secondaryBootstrap: (cmd, pair) => {
      try {
        return readPairs(pairsFile(cmd)).pairs.get(pair)?.secondary.bootstrapServers.join(',');
      } catch {
        return undefined;
      }
    },
    operator: () => defaultOperator(io.env),
    started: (cmd: Command, run: StartedRun, next: string[]) =>
      print(cmd, run, () =>
        [
          `Started ${run.type} ${run.workflowId} (run ${run.runId}) on task queue ${run.taskQueue}`,
          ...(run.uiUrl ? [`Temporal UI: ${run.uiUrl}`] : []),
          ...next.map((n) => `  → ${n}`),
        ].join('\n'),
      ),
    decided: (cmd: Command, d: Decision, okText: string) => {
      print(cmd, d, () =>
        d.accepted === false
          ? `refused: ${d.reason ?? 'no reason given'}`
          : d.accepted === undefined
            ? `sent ${d.action} to ${d.workflowId}; ${d.reason}`
            : okText,
      );
      if (d.accepted === false) setExit(ExitCode.refused);
    },
    follow,
  };

  program
    .description(
      'kafka-dr operator CLI: set up Kafka disaster recovery, run failover drills and failovers, approve and resolve them.',
    )
    .option('--json', 'machine-readable output (one JSON document; with --watch one JSON line per change)')
    .option('--task-queue <name>', 'task queue of the kafka-dr worker (default $KDR_TASK_QUEUE or "kafka-dr")')
    .option(
      '--pairs-file <path>',
      'the DR pairs file (default $KDR_PAIRS_FILE; on the local stack config/pairs.example.jsonc)',
    )
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `${example('kdr pairs', 'kdr failover local-kafka --dry-run', 'kdr status local-kafka --watch')}${EXIT_CODES_HELP}`,
    );
  // `kdr --help` lists the commands by name, whatever the order they are added in.
  program.configureHelp({ sortSubcommands: true });
  for (const register of Object.values(commands) as KdrCommand[]) register(program, context);
  return program;
}

/** Runs `kdr` with `argv` (without node and script); returns the exit code. Errors are one line on stderr. */
export async function runCli(argv: string[], raw: Io): Promise<number> {
  // Remote text (run status, errors, names from signals) reaches every command's output: none writes a control
  // character to the terminal (render.ts terminalOutput).
  const io: Io = { ...raw, out: (t) => raw.out(terminalOutput(t)), err: (t) => raw.err(terminalOutput(t)) };
  if (raw.ask) io.ask = (question) => raw.ask!(terminalOutput(question));
  let code: number = ExitCode.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => io.out(s.trimEnd()),
    writeErr: (s) => io.err(s.trimEnd()),
    outputError: () => undefined,
  });
  for (const sub of program.commands) {
    sub.exitOverride();
    sub.configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: () => undefined,
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return ExitCode.ok;
      if (err.code === 'commander.executeSubCommandAsync') return err.exitCode;
      const where =
        program.args[0] && program.commands.some((c) => c.name() === program.args[0]) ? ` ${program.args[0]}` : '';
      io.err(`kdr: ${err.message.replace(/^error: /, '')} (see kdr${where} --help)`);
      return ExitCode.usage;
    }
    const e = explain(err);
    io.err(`kdr: ${e.message}`);
    return e.exitCode;
  }
}
