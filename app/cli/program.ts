// The `kdr` command line (commander): every command, its flags, its --help example, its output and exit code.
import * as os from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RESOLVE_ACTIONS, type ResolveAction } from '../../src/config';
import { temporalTarget } from '../temporal-connection';
import { reject, resolve, startFailover, startSetup, startVerify, type Decision, type StartedRun } from './actions';
import { APPROVER_KEY_ENV, approveCommand, registerKeygen, requestSignature } from './approve-command';
import { registerWatch } from './watch-command';
import { registerFailback } from './failback-command';
import { registerDrill } from './drill-command';
import { registerPlan } from './plan-command';
export { applyHint } from './plan-command';
import { CliError, ExitCode } from './errors';
import { example, EXIT_CODES_HELP } from './help';
import { commaList, positiveInt } from './flags';
import { checkPairName, describeDeadLetter, describeRun, pairsFileLocation, pairStates, readPairs } from './pairs';
import { CLEAR_SCREEN, renderRun, table, terminalOutput } from './render';
import {
  connect,
  exitCodeOf,
  explain,
  failoverWorkflowId,
  findRun,
  readRun,
  type CliContext,
  type RunView,
} from './temporal';

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

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** A question on the terminal (kdr approve's confirmation); absent when not interactive. */
  ask?(question: string): Promise<string>;
}

interface GlobalOptions {
  json?: boolean;
  taskQueue?: string;
  pairsFile?: string;
}

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

  program
    .command('pairs')
    .description(
      'list the configured DR pairs, the state of their last setup, failover and failback runs, and where each pair is in its DR cycle',
    )
    .addHelpText('after', example('kdr pairs', 'KDR_PAIRS_FILE=/etc/kdr/pairs.jsonc kdr pairs --json'))
    .action(async (_opts, cmd: Command) => {
      const loaded = readPairs(pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env));
      const states = await withTemporal(cmd, (ctx) => pairStates(ctx.client, [...loaded.pairs.values()]));
      print(cmd, { pairsFile: loaded.path, pairs: states }, () =>
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
          ...states.map(
            (s) =>
              `  ${s.name}: ${s.where.stage} (clients on the ${s.where.active}, replication ${s.where.replication}; per ${s.where.from})`,
          ),
        ].join('\n'),
      );
    });

  const started = (cmd: Command, run: StartedRun, next: string[]) =>
    print(cmd, run, () =>
      [
        `Started ${run.type} ${run.workflowId} (run ${run.runId}) on task queue ${run.taskQueue}`,
        ...(run.uiUrl ? [`Temporal UI: ${run.uiUrl}`] : []),
        ...next.map((n) => `  → ${n}`),
      ].join('\n'),
    );

  program
    .command('setup')
    .argument('<pair>', 'a pair name from the pairs file')
    .description('start drSetup for a pair: preflight, the sink connector, connector-verify, the CNAME on the primary')
    .option('--requested-by <name>', 'who asks (recorded in the run)')
    .option('--watch', 'follow the run until it ends (like kdr status --watch)')
    .addHelpText('after', example('kdr setup local-kafka', 'kdr setup local-apsaramq --watch'))
    .action(async (pair: string, opts: { requestedBy?: string; watch?: boolean }, cmd: Command) => {
      checkPairName(pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env), pair);
      await withTemporal(cmd, async (ctx) => {
        const run = await startSetup(ctx, pair, { requestedBy: opts.requestedBy });
        started(cmd, run, [`kdr status ${run.workflowId} --watch`]);
        if (opts.watch) setExit(await watch(ctx, cmd, run.workflowId, 1000));
      });
    });

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
      checkPairName(pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env), pair);
      await withTemporal(cmd, async (ctx) => {
        const run = await startVerify(ctx, pair, { requestedBy: opts.requestedBy });
        if (!globals(cmd).json)
          io.err(
            `Started drVerify ${run.workflowId} (run ${run.runId})${run.uiUrl ? `: ${run.uiUrl}` : ''}; waiting for the canary…`,
          );
        const result = (await ctx.client.workflow.getHandle(run.workflowId, run.runId).result()) as VerifyResult;
        const f = result.fidelity;
        print(cmd, { run, ...result }, () =>
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
        if (opts.fidelity && !f.measured) setExit(ExitCode.failed);
      });
    });

  program
    .command('failover')
    .argument('<pair>', 'a pair name from the pairs file')
    .description(
      'start drFailover for a pair: assess, plan offsets, wait for approval, reset offsets, switch the CNAME, (switchover) drain and apply the final plan, guard, verify',
    )
    .option('--dry-run', 'stop after the plan: nothing is changed (a drill of the decision, not of the switch)')
    .option('--requested-by <name>', 'who asks; may not approve their own failover (default $KDR_OPERATOR or $USER)')
    .option(
      '--groups <list>',
      'only these consumer groups (comma-separated; default every group of the pair)',
      commaList,
    )
    .addOption(
      new Option(
        '--drain <mode>',
        'planned switchover when the primary answers: wait for it to go quiet and for replication to complete, then pause',
      )
        .choices(['auto', 'true', 'false'])
        .default('auto'),
    )
    .option(
      '--quiet-window <duration>',
      'switchover: the primary is quiet after this long without writes (default 10s)',
    )
    .option(
      '--switchover-timeout <duration>',
      'switchover: block if the primary is not quiet and replicated within this (default 15m)',
    )
    .option(
      '--guard <duration>',
      'after the switch, watch the groups for stale client commits this long (default 5m; 0 = off)',
    )
    .option(
      '--operator-timestamp <iso>',
      'groups had processed everything before this time (used when nothing better translates)',
    )
    .option('--approvals <n>', 'approvals required (default 1)', positiveInt)
    .option(
      '--key <file>',
      'signed pairs: sign the request with your Ed25519 private key (default $KDR_APPROVER_KEY; proves who asks, unsigned one approval more is required)',
    )
    .option(
      '--reverse',
      'switch back after drFailback re-protected the pair: from the old secondary to the primary, over the reverse replication ' +
        '(kdr failback <pair> --stages switch-back also restores forward replication afterwards)',
    )
    .option('--watch', 'follow the run until it ends')
    .addHelpText(
      'after',
      example(
        'kdr failover local-kafka --dry-run',
        'kdr failover local-kafka --requested-by alice',
        'kdr failover local-kafka --groups orders-billing,payments-ledger --drain false',
      ),
    )
    .action(
      async (
        pair: string,
        opts: {
          dryRun?: boolean;
          requestedBy?: string;
          groups?: string[];
          drain: string;
          operatorTimestamp?: string;
          approvals?: number;
          watch?: boolean;
          quietWindow?: string;
          switchoverTimeout?: string;
          guard?: string;
          reverse?: boolean;
          key?: string;
        },
        cmd: Command,
      ) => {
        checkPairName(pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env), pair);
        if (opts.operatorTimestamp !== undefined && Number.isNaN(Date.parse(opts.operatorTimestamp))) {
          throw new CliError(
            `--operator-timestamp "${opts.operatorTimestamp}" is not a time: give ISO-8601, e.g. 2025-01-31T09:30:00Z`,
            ExitCode.usage,
          );
        }
        const requestedBy = opts.requestedBy ?? defaultOperator(io.env);
        await withTemporal(cmd, async (ctx) => {
          const run = await startFailover(ctx, pair, {
            requestedBy,
            ...(opts.dryRun ? { dryRun: true } : {}),
            ...(opts.reverse ? { reverse: true } : {}),
            ...(opts.groups ? { groups: opts.groups } : {}),
            ...(opts.drain !== 'auto' ? { drain: opts.drain === 'true' } : {}),
            ...(opts.operatorTimestamp ? { translation: { operatorTimestamp: opts.operatorTimestamp } } : {}),
            ...(opts.approvals ? { approval: { required: opts.approvals } } : {}),
            ...(opts.dryRun
              ? {}
              : requestSignature(opts.key, io.env, { pair, workflowId: failoverWorkflowId(pair), requestedBy })),
            ...(opts.quietWindow || opts.switchoverTimeout || opts.guard !== undefined
              ? {
                  switchover: {
                    ...(opts.quietWindow ? { quietWindow: opts.quietWindow } : {}),
                    ...(opts.switchoverTimeout ? { timeout: opts.switchoverTimeout } : {}),
                    ...(opts.guard !== undefined
                      ? { guard: /^\d+$/.test(opts.guard) ? Number(opts.guard) : opts.guard }
                      : {}),
                  },
                }
              : {}),
          } as Parameters<typeof startFailover>[2]);
          started(cmd, run, [
            `kdr plan ${run.workflowId}`,
            ...(opts.dryRun ? [] : [`kdr approve ${run.workflowId} --by <approver, not ${requestedBy}>`]),
            `kdr status ${run.workflowId} --watch`,
          ]);
          if (opts.watch) setExit(await watch(ctx, cmd, run.workflowId, 1000));
        });
      },
    );

  const decided = (cmd: Command, d: Decision, okText: string) => {
    print(cmd, d, () =>
      d.accepted === false
        ? `refused: ${d.reason ?? 'no reason given'}`
        : d.accepted === undefined
          ? `sent ${d.action} to ${d.workflowId}; ${d.reason}`
          : okText,
    );
    if (d.accepted === false) setExit(ExitCode.refused);
  };

  program
    .command('approve')
    .argument('<run>', 'workflow id, or pair name (its current run)')
    .description(
      'approve the plan of a failover: give --plan-id after reviewing kdr plan, or confirm the plan shown (--yes in scripts)',
    )
    .requiredOption('--by <name>', 'who approves (not the requester)')
    .option('--comment <text>', 'a comment recorded with the approval')
    .option('--plan-id <id>', 'approve exactly this plan (refused when the plan has changed since)')
    .option('--yes', 'approve the plan shown without asking (scripts); the summary is still printed')
    .option(
      '--key <file>',
      `your Ed25519 private key (pairs with approval.identity "signed"; default $${APPROVER_KEY_ENV}; kdr keygen creates one)`,
    )
    .addHelpText(
      'after',
      example(
        'kdr approve local-kafka --by bob --plan-id 3f2a9c0d1e2b4a5f3f2a9c0d1e2b4a5f',
        'kdr approve dr-failover-local-kafka --by bob --comment "drill, checked the plan"   # shows the plan, asks',
        'kdr approve local-apsaramq --by bob --key ~/.kdr/bob.key --plan-id <id>          # signed pair',
      ),
    )
    .action(
      async (
        run: string,
        opts: { by: string; comment?: string; planId?: string; yes?: boolean; key?: string },
        cmd: Command,
      ) => {
        await withTemporal(cmd, async (ctx) => {
          const d = await approveCommand(ctx, io, run, opts);
          decided(
            cmd,
            d,
            `approved plan ${d.planId} of ${d.workflowId} as ${d.by} (${d.reason ?? 'accepted'}); follow it: kdr status ${d.workflowId} --watch`,
          );
        });
      },
    );

  registerKeygen(program, print);
  registerWatch(program, {
    print,
    withTemporal,
    checkPair: (cmd, pair) => {
      checkPairName(pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env), pair);
    },
    operator: () => defaultOperator(io.env),
  });
  registerFailback(program, {
    print,
    withTemporal,
    checkPair: (cmd, pair) => {
      checkPairName(pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env), pair);
    },
    operator: () => defaultOperator(io.env),
  });
  registerDrill(program, {
    print,
    withTemporal,
    checkPair: (cmd, pair) => {
      checkPairName(pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env), pair);
    },
    operator: () => defaultOperator(io.env),
  });

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
      await withTemporal(cmd, async (ctx) => {
        const d = await reject(ctx, run, { by: opts.by, reason: opts.reason }, opts.key ?? io.env[APPROVER_KEY_ENV]);
        decided(cmd, d, `rejected ${d.workflowId} as ${d.by}: the run ends and nothing was changed`);
      });
    });

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
        await withTemporal(cmd, async (ctx) => {
          const d = await resolve(
            ctx,
            run,
            {
              action,
              by: opts.by,
              ...(opts.note ? { note: opts.note } : {}),
              ...(opts.step ? { step: opts.step } : {}),
            },
            opts.key ?? io.env[APPROVER_KEY_ENV],
          );
          print(
            cmd,
            d,
            () =>
              `${action} accepted for step ${d.step} of ${d.workflowId}; follow it: kdr status ${d.workflowId} --watch`,
          );
        });
      },
    );

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
      await withTemporal(cmd, async (ctx) => {
        const found = await findRun(ctx, run);
        if (opts.watch) {
          setExit(await watch(ctx, cmd, found.description.workflowId, opts.interval * 1000));
          return;
        }
        const view = await readRun(ctx, found);
        print(cmd, view, () => renderRun(view));
        setExit(exitCodeOf(view));
      });
    });

  registerPlan(program, {
    print,
    withTemporal,
    secondaryBootstrap: (cmd, pair) => {
      try {
        return readPairs(pairsFileLocation(globals(cmd).pairsFile, temporalTarget(io.env), io.env))
          .pairs.get(pair)
          ?.secondary.bootstrapServers.join(',');
      } catch {
        return undefined;
      }
    },
    out: (text) => io.out(text),
    err: (text) => io.err(text),
  });

  async function watch(ctx: CliContext, cmd: Command, workflowId: string, everyMs: number): Promise<number> {
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
