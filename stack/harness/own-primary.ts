// A broker of a test's own, to kill for a real outage or restart mid-step (the shared brokers stay up for the
// other tests), with its DR listener on its own loopback address and an A record naming it in the emulated DNS.
// Usually the primary; the chaos suite also makes one the secondary, to restart it during the reset.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createCloudClients } from '../../src/cloud';
import { stackDir } from '../local-stack';
import { runningPid, startDetached, stopService } from '../process';
import { kafkaBrokerService, waitReady } from '../services';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface OwnBroker {
  bootstrap: string;
  /** The broker host clients reach through the CNAME (an A record to `drIp`). */
  endpointHost: string;
  /** The outage: SIGKILL, no goodbye. */
  kill(): Promise<void>;
  /** A clean shutdown (SIGTERM, SIGKILL only after the grace period). */
  stop(graceMs?: number): Promise<void>;
  /** Starts it again on the same ports and data: the broker coming back after the outage. */
  restart(): Promise<void>;
  /** Kills it if alive and removes its data. */
  remove(): Promise<void>;
}

export type OwnPrimary = OwnBroker;

export function startOwnPrimary(name: string, drIp: string, env: NodeJS.ProcessEnv): Promise<OwnPrimary> {
  return startOwnBroker(name, drIp, env, 'primary');
}

/**
 * An own broker left running by a test that was killed or timed out (its after() hooks never ran) still holds this
 * loopback address, and the next run's broker would fail with "Address already in use". Each loopback address belongs
 * to one test file, and a file runs once at a time, so a live own broker on it is such an orphan: stop it.
 */
async function clearStaleBroker(drIp: string): Promise<void> {
  if (!fs.existsSync(stackDir)) return;
  for (const entry of fs.readdirSync(stackDir)) {
    // The stack's own brokers are kafka-primary / kafka-secondary; own brokers are kafka-<test name>[-secondary].
    if (!entry.startsWith('kafka-') || entry === 'kafka-primary' || entry === 'kafka-secondary') continue;
    const props = path.join(stackDir, entry, 'server.properties');
    if (!fs.existsSync(props) || !fs.readFileSync(props, 'utf8').includes(`DR://${drIp}:`)) continue;
    if (runningPid(entry) === undefined) continue;
    process.stderr.write(`# stopping ${entry}: an own broker left running on ${drIp} by an earlier, interrupted run\n`);
    await stopService(entry, 0);
  }
}

export async function startOwnBroker(
  name: string,
  drIp: string,
  env: NodeJS.ProcessEnv,
  role: 'primary' | 'secondary',
): Promise<OwnBroker> {
  await clearStaleBroker(drIp);
  const port = await freePort();
  // The primary keeps its old service name: its stack directory and log file are where they always were.
  const brokerName = role === 'primary' ? `kafka-${name}` : `kafka-${name}-${role}`;
  const broker = kafkaBrokerService({
    name: brokerName,
    role: `own ${role}`,
    port,
    controllerPort: await freePort(),
    drIp,
  });
  broker.prepare?.();
  startDetached(broker.name, broker.launch());
  await waitReady(broker);
  const hostRr = `${name}-${role}-host`;
  await createCloudClients(env).alidns().addDomainRecord('kdr.test', { rr: hostRr, type: 'A', value: drIp, ttl: 60 });
  return {
    bootstrap: `127.0.0.1:${port}`,
    endpointHost: `${hostRr}.kdr.test`,
    kill: async () => {
      await stopService(brokerName, 0);
    },
    stop: async (graceMs = 15_000) => {
      await stopService(brokerName, graceMs);
    },
    restart: async () => {
      startDetached(broker.name, broker.launch());
      await waitReady(broker);
    },
    remove: async () => {
      await stopService(brokerName, 0).catch(() => undefined);
      fs.rmSync(path.join(stackDir, brokerName), { recursive: true, force: true });
    },
  };
}
