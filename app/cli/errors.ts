// What `kdr` exits with. Scripts branch on these; keep them stable (documented in docs/operator-guide.md).
export const ExitCode = {
  /** Done: the command did what it was asked; for status, the run completed or is making progress. */
  ok: 0,
  /** The run failed, was aborted or rejected, or something unexpected broke. */
  failed: 1,
  /** Bad command, flag or argument. */
  usage: 2,
  /** No such run, pair or pairs file. */
  notFound: 3,
  /** Temporal does not answer at the configured address. */
  unreachable: 4,
  /** The run waits for a human: a blocked step (resolve) or an approval. */
  waiting: 5,
  /** The request was refused: a run is already going, the approval or resolve was not accepted, no plan yet. */
  refused: 6,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line and a chosen exit code (no stack trace). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failed,
  ) {
    super(message);
  }
}
