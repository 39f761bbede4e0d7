// `kdr`: the kafka-dr operator CLI (bin/kdr.js, `npm run kdr -- ...`). Commands live in app/cli/.
import * as readline from 'node:readline/promises';
import { runCli } from './cli/program';
import { terminalText } from '../src/security/escape';

export { runCli };
export { ExitCode } from './cli/errors';

/** Entry point of bin/kdr.js and `tsx app/kdr.ts`: runs the CLI and exits with its code. */
export function run(argv: string[] = process.argv.slice(2)): void {
  runCli(argv, {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    // Only an interactive terminal can confirm an approval; scripts give --plan-id or --yes.
    ask:
      process.stdin.isTTY !== true
        ? undefined
        : async (question: string) => {
            const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
            try {
              return await rl.question(question);
            } finally {
              rl.close();
            }
          },
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`kdr: ${terminalText(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) run();
