// Issue 26's last "done when": the kafka-dr worker killed (SIGKILL) AND the Temporal server restarted while an
// automatic failover waits out its veto window. The decision lives in Temporal (the window's durable timer, the
// watch's record of the failover it started), so after both come back the outage gets one failover only, each
// group's offsets committed once on the secondary. The Temporal dev server is this file's own (its state in a SQLite
// file), so the restart touches no other test and the file runs in the pool with the others.
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { AutoPair } from '../../../stack/harness/auto-pair';
import { dataConverter } from '../../../src/data-converter';
import { OwnTemporal } from '../../../stack/harness/own-temporal';
import { local } from '../../../stack/local-stack';
import { startReceiver, type Receiver } from '../notify/receiver';
import { terminateFailovers } from './scenario';
import { crashInVetoWindow } from './crash-in-window';

describe('automatic failover: worker killed and Temporal restarted in the veto window', () => {
  let receiver: Receiver;
  let server: OwnTemporal;
  let connection: Connection;
  let client: Client;
  let pair: AutoPair | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  before(async () => {
    receiver = await startReceiver('unused-secret');
    server = await OwnTemporal.start();
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, namespace: local.namespace, dataConverter });
  });
  after(async () => {
    if (pair) await terminateFailovers(client, pair.name).catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await pair?.remove().catch(() => undefined);
    await receiver?.close();
    await connection?.close();
    await server?.down();
  });

  test('one failover, each group committed once, after the worker and the server both went down', async () => {
    await crashInVetoWindow({
      client,
      temporalAddress: server.address,
      prefix: 'af-restart',
      drIp: '127.0.0.45',
      webhookUrl: `${receiver.url}/hook`,
      cleanup: (c) => cleanups.push(c),
      onPair: (p) => (pair = p),
      inWindow: async () => [`Temporal restarted in ${((await server.restart()) / 1000).toFixed(1)} s`],
    });
  });
});
