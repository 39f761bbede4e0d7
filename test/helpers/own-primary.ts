// A primary broker of a test's own, to kill for a real outage (the shared primary stays up for the other
// tests), with its DR listener on its own loopback address and an A record naming it in the emulated DNS.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createCloudClients } from '../../src/cloud';
import { stackDir } from '../../src/local-stack';
import { startDetached, stopService } from '../../stack/process';
import { kafkaBrokerService, waitReady } from '../../stack/services';

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

export interface OwnPrimary {
  bootstrap: string;
  /** The broker host clients reach through the CNAME (an A record to `drIp`). */
  endpointHost: string;
  /** The outage: SIGKILL, no goodbye. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data: the old primary coming back after the outage. */
  restart(): Promise<void>;
  /** Kills it if alive and removes its data. */
  remove(): Promise<void>;
}

export async function startOwnPrimary(name: string, drIp: string, env: NodeJS.ProcessEnv): Promise<OwnPrimary> {
  const port = await freePort();
  const brokerName = `kafka-${name}`;
  const broker = kafkaBrokerService({ name: brokerName, role: 'outage primary', port, controllerPort: await freePort(), drIp });
  broker.prepare?.();
  startDetached(broker.name, broker.launch());
  await waitReady(broker);
  const hostRr = `${name}-primary-host`;
  await createCloudClients(env).alidns().addDomainRecord('kdr.test', { rr: hostRr, type: 'A', value: drIp, ttl: 60 });
  return {
    bootstrap: `127.0.0.1:${port}`,
    endpointHost: `${hostRr}.kdr.test`,
    kill: async () => { await stopService(brokerName, 0); },
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
