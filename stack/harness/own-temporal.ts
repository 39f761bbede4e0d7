// A Temporal dev server of a test's own, on free ports, its state in a SQLite file that outlives restarts: for the
// chaos tests that restart Temporal (the shared stack's server must never be restarted under the other test files).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { paths } from '../install';
import { freePort } from './own-primary';
import { eventually } from './temporal';

/** A call that must answer within `ms` (a hung call fails the test instead of hanging it). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
  ]);
}

/** A Temporal dev server of this test's own, on free ports, its state in a file that outlives restarts. */
export class OwnTemporal {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly address: string,
    private readonly port: number,
    private readonly db: string,
  ) {}

  /** A new server. The dev server also binds ports next to its own; when one is taken, it is tried on another port. */
  static async start(): Promise<OwnTemporal> {
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-temporal-')), 'temporal.db');
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const t = new OwnTemporal(`127.0.0.1:${port}`, port, db);
      try {
        await t.up();
        return t;
      } catch (err) {
        await t.down();
        if (attempt >= 3) throw err;
      }
    }
  }

  /**
   * Starts the server and waits until it answers and stays up. Its HTTP and metrics ports are free when picked but
   * may be taken by another test file's process before the server binds them; the server then exits soon after its
   * gRPC port answered. So: a server that exits within its first seconds is started again on other such ports.
   */
  async up(): Promise<void> {
    let output = '';
    for (let attempt = 1; ; attempt++) {
      const proc = spawn(
        paths.temporalBin,
        [
          'server',
          'start-dev',
          '--ip',
          '127.0.0.1',
          '--port',
          String(this.port),
          '--headless',
          '--db-filename',
          this.db,
          '--http-port',
          String(await freePort()),
          '--metrics-port',
          String(await freePort()),
          '--search-attribute',
          'DrPair=Keyword',
          '--search-attribute',
          'DrPhase=Keyword',
          '--search-attribute',
          'DrHealth=Keyword',
          '--log-level',
          'error',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      this.proc = proc;
      const keep = (d: Buffer) => void (output = (output + d.toString()).slice(-2000));
      proc.stdout!.on('data', keep);
      proc.stderr!.on('data', keep);
      const exited = () => proc.exitCode !== null || proc.signalCode !== null;
      try {
        const answered = await eventually(
          async () => {
            if (exited()) return 'exited' as const;
            const c = await within(
              Connection.connect({ address: this.address, connectTimeout: 1_000 }),
              5_000,
              'connect',
            );
            await c.close();
            return 'answers' as const;
          },
          (state) => state === 'answers' || state === 'exited',
          'the Temporal dev server to answer',
          60_000,
        );
        if (answered === 'exited') throw new Error(`the Temporal dev server exited before it answered: ${output}`);
        await new Promise((r) => setTimeout(r, 2_000));
        if (!exited()) return;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
      if (attempt >= 3) throw new Error(`the Temporal dev server exited after it answered, three times: ${output}`);
      if (!exited()) proc.kill('SIGKILL');
    }
  }

  async down(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    // A restart, as an upgrade or a node replacement does it (SIGTERM). A crash of the server process is not
    // modelled: the dev server's SQLite file may then lose its last writes, which a production database does not.
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  }

  async restart(): Promise<number> {
    const t0 = Date.now();
    await this.down();
    await this.up();
    return Date.now() - t0;
  }
}
