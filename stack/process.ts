// Background processes of the stack, tracked by pid files. stack:down stops exactly what stack:up started:
// the pid file names the process, and its command line must still mention this stack's directory, so a pid
// reused by an unrelated process after a reboot is never signalled.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { stackDir } from './local-stack';
import { paths } from './install';

export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function pidFile(name: string): string {
  return path.join(paths.run, `${name}.pid`);
}

export function logFile(name: string): string {
  return path.join(paths.logs, `${name}.log`);
}

function isOurs(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(stackDir);
  } catch {
    // No /proc (not Linux): the pid file is the only evidence we have.
    return true;
  }
}

/** The pid of a running service started by this stack, or undefined. Stale pid files are removed. */
export function runningPid(name: string): number | undefined {
  const file = pidFile(name);
  if (!fs.existsSync(file)) return undefined;
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isOurs(pid)) return pid;
  fs.rmSync(file, { force: true });
  return undefined;
}

export function startDetached(name: string, launch: Launch): number {
  fs.mkdirSync(paths.run, { recursive: true });
  fs.mkdirSync(paths.logs, { recursive: true });
  const out = fs.openSync(logFile(name), 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} starting ${name}: ${launch.command} ${launch.args.join(' ')}\n`);
  // detached: its own process group, so it outlives `npm run stack:up` and can be stopped as a group.
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: launch.env ?? process.env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${launch.command})`);
  child.unref();
  fs.writeFileSync(pidFile(name), `${child.pid}\n`);
  return child.pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a service by its pid file: SIGTERM to its process group, SIGKILL after the grace period.
 * `graceMs: 0` kills at once, like a machine that loses power (the outage test does that).
 */
export async function stopService(name: string, graceMs = 15000): Promise<boolean> {
  const pid = runningPid(name);
  if (pid === undefined) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal(graceMs === 0 ? 'SIGKILL' : 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) signal('SIGKILL');
  while (alive(pid)) await sleep(50);
  fs.rmSync(pidFile(name), { force: true });
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
