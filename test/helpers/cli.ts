// Runs the real `kdr` CLI as a child process (as an operator would), against the local stack.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PairConfigInput } from '../../src/config';
import { local, repoRoot } from '../../stack/local-stack';

export interface KdrResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `kdr <args>` with `env` on top of this process's environment. Asynchronous on purpose: the test's worker
 * runs in this process and must keep polling while the CLI waits on the run. kdr reads only TEMPORAL_*, so the
 * local stack's Temporal (wherever its port was moved) is named unless the test names another.
 */
export function kdr(args: string[], env: NodeJS.ProcessEnv = {}): Promise<KdrResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'app', 'kdr.ts'), ...args],
      {
        cwd: repoRoot,
        env: { TEMPORAL_ADDRESS: local.temporalAddress, ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 300_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

/** A pairs file holding `pairs`, in a fresh temporary directory; returns its path. */
export function writePairsFile(pairs: PairConfigInput[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-pairs-'));
  const file = path.join(dir, 'pairs.jsonc');
  fs.writeFileSync(file, `// written by a kdr CLI test\n${JSON.stringify({ pairs }, null, 2)}\n`);
  return file;
}

/** Describes a result for assertion messages. */
export function shown(r: KdrResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}
