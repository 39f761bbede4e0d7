// One running client application of the matrix, counted from its own output: "acked N" and "processed N" lines
// (when each arrived), and everything else it printed as its log.
import { spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';

export interface Line {
  at: number;
  text: string;
}

export class AppProcess {
  readonly acked = new Map<number, number>();
  /** Every record handed to the application, in order, with when: a record read twice appears twice. */
  readonly processed: { value: number; at: number }[] = [];
  readonly log: Line[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(
    readonly label: string,
    argv: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    const take = (stream: NodeJS.ReadableStream) =>
      readline.createInterface({ input: stream }).on('line', (text) => {
        const at = Date.now();
        const m = /^(acked|processed) (\d+)$/.exec(text);
        if (m?.[1] === 'acked') this.acked.set(Number(m[2]), at);
        else if (m) this.processed.push({ value: Number(m[2]), at });
        else if (text.trim()) this.log.push({ at, text: text.replace(/^log /, '').trim() });
      });
    take(this.child.stdout!);
    take(this.child.stderr!);
  }

  /** Asks the application to stop as an operator would (SIGTERM; it commits and closes), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
