// What every kdr command gets from the program: the terminal, the global flags, the way to print (human or
// --json), a Temporal connection per command, the pairs file, and the helpers several commands share.
import type { Command } from 'commander';
import type { Decision, StartedRun } from '../actions';
import type { CliContext } from '../temporal';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** A question on the terminal (kdr approve's confirmation); absent when not interactive. */
  ask?(question: string): Promise<string>;
}

export interface GlobalOptions {
  json?: boolean;
  taskQueue?: string;
  pairsFile?: string;
}

export interface CommandContext {
  io: Io;
  /** The process's exit code once the command returns. */
  setExit(code: number): void;
  globals(cmd: Command): GlobalOptions;
  /** One JSON document with --json, else the human text. */
  print(cmd: Command, json: unknown, human: () => string): void;
  out(text: string): void;
  err(text: string): void;
  /** Connects to Temporal for the command (errors explained in one line), and closes the connection after. */
  withTemporal<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T>;
  /** Refuses a pair name the pairs file does not have (exit 3), before anything is started. */
  checkPair(cmd: Command, pair: string): void;
  /** The pairs file the command reads (--pairs-file, $KDR_PAIRS_FILE, or the local stack's example). */
  pairsFile(cmd: Command): string | undefined;
  /** The secondary's bootstrap servers of a pair in the pairs file, when it can be read (kdr plan's apply hint). */
  secondaryBootstrap(cmd: Command, pair: string): string | undefined;
  /** Who runs kdr: $KDR_OPERATOR, $USER or the user name. */
  operator(): string;
  /** Prints a started run with its UI link and the next commands. */
  started(cmd: Command, run: StartedRun, next: string[]): void;
  /** Prints a decision (approve, reject): refused ones set exit code 5. */
  decided(cmd: Command, d: Decision, okText: string): void;
  /** Follows a run like `kdr status --watch` until it ends; returns the exit code of its outcome. */
  follow(ctx: CliContext, cmd: Command, workflowId: string, everyMs: number): Promise<number>;
}

/** A kdr command: adds itself to the program. */
export type KdrCommand = (program: Command, context: CommandContext) => void;
