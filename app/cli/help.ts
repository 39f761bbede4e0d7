// Text the --help of kdr and its commands share: the examples block and the exit codes.
export function example(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  done (status: the run completed or is making progress)
  1  the run failed, was aborted or rejected; or an unexpected error
  2  bad command, flag or argument
  3  no such run, pair or pairs file
  4  Temporal unreachable (TEMPORAL_ADDRESS; default the local stack's 127.0.0.1:7233)
  5  the run waits for a human: a blocked step (kdr resolve) or an approval (kdr approve)
  6  refused: a run is already going, the approval/resolve was not accepted, no plan yet

<run> is a workflow id, or a pair name meaning its current run (a running failover, else a running setup,
else a running failback, else the latest of them). Temporal is reached through the standard TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE /
TEMPORAL_API_KEY / TEMPORAL_TLS_* variables; the UI link uses KDR_TEMPORAL_UI_URL outside the local stack.`;
